/*
 * tok_train.h — BPE training: counting pre-token pieces, then merges by pair frequency with
 * incremental count updates (a priority queue over pairs and, per queue entry, the words where the
 * pair occurs), in the exact order of Hugging Face `tokenizers`' BpeTrainer.
 *
 * Contracts:
 *  - Every object belongs to one thread at a time (count in several tok_piece_counts, one per
 *    thread, then tok_piece_counts_merge them).
 *  - Functions return 0 (or a count) on success, a negative TOK_E_* code (tok_bpe.h) on failure;
 *    after TOK_E_NOMEM an object is still valid to free but its contents are unspecified.
 *  - Byte strings are copied; callers keep ownership of what they pass.
 */
#ifndef TOK_TRAIN_H
#define TOK_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A multiset of byte strings (pre-token pieces) with 64-bit counts. */
typedef struct tok_piece_counts tok_piece_counts;

/** A new empty multiset, or NULL when memory runs out. */
tok_piece_counts *tok_piece_counts_new(void);

/** Frees a multiset (NULL is fine). */
void tok_piece_counts_free(tok_piece_counts *c);

/** Adds `count` occurrences of s[0..len) (len > 0; empty strings are ignored). */
int tok_piece_counts_add(tok_piece_counts *c, const uint8_t *s, size_t len, uint64_t count);

/**
 * Cuts s[0..len) into lines, each ending after a '\n' (the last may have none), and counts the
 * pieces of each line: with `pattern` a tok_pattern (tok_pretok.h) the scanner's pieces, each line
 * scanned as a text of its own (as Hugging Face trains on files: line by line); with pattern 0 the
 * whole line is one piece. Returns 0, TOK_E_PATTERN or TOK_E_NOMEM.
 */
int tok_piece_counts_add_lines(tok_piece_counts *c, int pattern, const uint8_t *s, size_t len);

/**
 * Cuts s[0..len) into chunks of random lengths in characters (UTF-8 sequences: a byte that is not
 * a continuation byte and the continuation bytes after it) and counts each chunk as a piece, as
 * TokenAdapt's supertoken training cuts its corpus. Per chunk: when fewer characters are left
 * than the smallest bin minimum, the rest; else bin k is drawn with probability
 * (bin_cum[k] - bin_cum[k-1]) / bin_cum[n_bins-1] and the length uniformly from
 * [min(bin_min[k], left), min(bin_max[k], left)]. The draws come from splitmix64 started at
 * `seed`: the same seed and text give the same chunks on every machine. Returns 0, TOK_E_ARGUMENT
 * for a bad distribution (no bins, a zero minimum, min > max, bin_cum decreasing or all zero) or
 * TOK_E_NOMEM.
 */
int tok_piece_counts_add_random_chunks(tok_piece_counts *c, const uint8_t *s, size_t len, const uint32_t *bin_min,
                                       const uint32_t *bin_max, const uint32_t *bin_cum, size_t n_bins,
                                       uint64_t seed);

/** Adds every piece of `src` to `dst` (src is unchanged). */
int tok_piece_counts_merge(tok_piece_counts *dst, const tok_piece_counts *src);

/** Number of distinct pieces. */
size_t tok_piece_counts_size(const tok_piece_counts *c);

/** Total number of pieces counted (with multiplicity). */
uint64_t tok_piece_counts_total(const tok_piece_counts *c);

/**
 * The k-th distinct piece (k < size, in an unspecified but fixed order while c is unchanged):
 * its bytes (valid until c changes) in *s / *len and its count.
 */
void tok_piece_counts_get(const tok_piece_counts *c, size_t k, const uint8_t **s, size_t *len, uint64_t *count);

/** The trainer: words of symbol ids with counts, a vocabulary of byte strings, the merge queue. */
typedef struct tok_bpe_trainer tok_bpe_trainer;

/**
 * A new trainer whose vocabulary starts with n_tokens byte strings: token i is
 * bytes[offsets[i] .. offsets[i+1]) (offsets has n_tokens + 1 entries; a string may be empty, as
 * for a special token that must keep its id, and never merges). `units[i]` is token i's length
 * in the units max_length counts (bytes, characters). Tokens are looked up by their bytes: a merge
 * whose result equals an existing token reuses its id. NULL when memory runs out or the strings
 * repeat (the first occurrence would win silently: refused instead).
 */
tok_bpe_trainer *tok_bpe_trainer_new(const uint8_t *bytes, const uint32_t *offsets, const uint32_t *units,
                                     uint32_t n_tokens);

/** Frees a trainer (NULL is fine). */
void tok_bpe_trainer_free(tok_bpe_trainer *t);

/**
 * Adds a word: ids[0..n) (each < the current vocabulary size) occurring `count` times. Call
 * before tok_bpe_trainer_start. Returns 0, TOK_E_UNKNOWN_ID or TOK_E_NOMEM.
 */
int tok_bpe_trainer_add_word(tok_bpe_trainer *t, const uint32_t *ids, size_t n, uint64_t count);

struct tok_merges;

/**
 * Adds every piece of `c` as a word: its bytes as tokens byte_ids[b], then, when `m` is not NULL,
 * merged by m (tok_merge.h: pair → (rank, merged id), ids of this trainer) as BPE encodes it:
 * training that continues from earlier merges (SuperBPE's second stage).
 */
int tok_bpe_trainer_add_pieces(tok_bpe_trainer *t, const tok_piece_counts *c, const uint32_t byte_ids[256],
                               const struct tok_merges *m);

/**
 * SuperBPE's limits on tokens that span words (call before start): a pair is counted only when
 * its merged token has at most max_words words (maximal runs of bytes that are not ASCII
 * whitespace; 0: no limit) and, with forbid_colon_space, does not contain ": ".
 */
int tok_bpe_trainer_set_word_rule(tok_bpe_trainer *t, uint32_t max_words, int forbid_colon_space);

/**
 * Lengths count UTF-8 characters (call before start): the merged token of a and b is
 * units[a] + units[b] characters, one less when b starts with a continuation byte (10xxxxxx) and
 * a is not empty, as the byte completes a's last character. Initial units must follow the same
 * rule: the bytes that are not continuation bytes, plus one when the first byte is one.
 */
int tok_bpe_trainer_count_characters(tok_bpe_trainer *t);

/**
 * Counts the pairs of every word and fills the queue. `vocab_size`: stop when the vocabulary has
 * that many tokens; `min_frequency`: stop at the first pair counted fewer times; `max_length`:
 * only pairs whose merged token has at most max_length units are counted (0: no limit; Tok's
 * rule, not BpeTrainer's `max_token_length`, which compares with `<` and skips first pairs).
 */
int tok_bpe_trainer_start(tok_bpe_trainer *t, uint32_t vocab_size, uint64_t min_frequency, uint32_t max_length);

/**
 * Performs up to max_steps merges. Returns the number done (0 when training is over: the
 * vocabulary is full, no pair is left, or the best pair is below min_frequency) or TOK_E_NOMEM.
 * The best pair is the one with the highest count; on a tie the smallest (left id, right id).
 * A merge whose result already is a token (another pair made the same bytes) adds a merge but no
 * token.
 */
int64_t tok_bpe_trainer_step(tok_bpe_trainer *t, uint32_t max_steps);

/** Number of tokens in the vocabulary now. */
uint32_t tok_bpe_trainer_vocab_size(const tok_bpe_trainer *t);

/** Token id's bytes (valid until the next step) in *len; NULL when id is out of range. */
const uint8_t *tok_bpe_trainer_token(const tok_bpe_trainer *t, uint32_t id, size_t *len);

/** Number of merges done so far. */
size_t tok_bpe_trainer_merge_count(const tok_bpe_trainer *t);

/** Merge k (k < merge count): left and right ids, the resulting id and the pair's count then. */
void tok_bpe_trainer_merge(const tok_bpe_trainer *t, size_t k, uint32_t *left, uint32_t *right, uint32_t *result,
                           uint64_t *count);

/** Number of distinct words the trainer holds. */
size_t tok_bpe_trainer_word_count(const tok_bpe_trainer *t);

#ifdef __cplusplus
}
#endif
#endif

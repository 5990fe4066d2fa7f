/*
 * tok_merge.h — pair-merge BPE (Hugging Face `tokenizers`' BPE model, SentencePiece's BPE once its
 * scores are turned into pair ranks) and an ICU regex splitter for patterns without a scanner.
 *
 * Contracts:
 *  - A tok_merges table maps an ordered pair of symbol ids (a, b) to (rank, merged id). It is
 *    built single-threaded, then read from any number of threads at once.
 *  - tok_merge_word merges in place: repeatedly the adjacent pair with the lowest rank, the
 *    leftmost one on a tie, until no adjacent pair is in the table (the reference loop's order).
 *  - Functions return 0 (or a count) on success, a negative TOK_E_* code (tok_bpe.h) on failure.
 */
#ifndef TOK_MERGE_H
#define TOK_MERGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tok_merges tok_merges;

/** A new empty table sized for about `expected` pairs, or NULL when memory runs out. */
tok_merges *tok_merges_new(size_t expected);

/** Frees a table (NULL is fine). */
void tok_merges_free(tok_merges *m);

/**
 * Sets (a, b) → (rank, merged). A pair already present is overwritten (the last definition
 * wins, as in a map built from a list). Returns 0 or TOK_E_NOMEM.
 */
int tok_merges_set(tok_merges *m, uint32_t a, uint32_t b, uint32_t rank, uint32_t merged);

/** Looks (a, b) up: 1 with *rank and *merged set, or 0 when the pair does not merge. */
int tok_merges_get(const tok_merges *m, uint32_t a, uint32_t b, uint32_t *rank, uint32_t *merged);

/** Number of pairs in the table. */
size_t tok_merges_count(const tok_merges *m);

/**
 * Bytes of workspace tok_merge_word needs for n symbols (n < 2^31).
 */
size_t tok_merge_work_size(size_t n);

/**
 * Merges ids[0..n) in place and returns the new count. When `lens` is not NULL it holds each
 * symbol's length (bytes of input it covers) and is merged alongside (lengths add up).
 * `work` must hold tok_merge_work_size(n) bytes, suitably aligned for uint64_t.
 * Complexity: O(n log n).
 */
size_t tok_merge_word(const tok_merges *m, uint32_t *ids, uint32_t *lens, size_t n, void *work);

/**
 * A map from byte strings to 32-bit values (token text → id while a tokenizer file is read):
 * keys are copied into the map; lookups never allocate, a concatenation a·b included. Built
 * single-threaded, then read from any number of threads.
 */
/**
 * The merges of a rank table as tiktoken applies them: for each rank r in order whose token
 * (arena[spans[r]], spans as offset << 32 | length) has two or more bytes, BPE over the merges
 * set so far (the lower ranks) starting from its bytes' tokens; when that ends in exactly two
 * parts a and b, sets (a, b) -> (rank r, id r + offset). Token ids are ranks + offset; the
 * single-byte tokens give each byte's id (*byte_ids, 256 entries, -1 for a byte without one).
 * Returns the number of merges set, or TOK_E_NOMEM.
 */
int64_t tok_merges_from_ranks(tok_merges *m, const uint8_t *arena, const uint64_t *spans, size_t n,
                              uint32_t offset, int32_t *byte_ids);

typedef struct tok_strmap tok_strmap;

/** A new empty map sized for about `expected` keys, or NULL when memory runs out. */
tok_strmap *tok_strmap_new(size_t expected);

/** Frees a map (NULL is fine). */
void tok_strmap_free(tok_strmap *m);

/**
 * Sets key[0..n) → value. Returns 0 when the key is new, 1 when it was present (its value is
 * replaced: the last definition wins, as in a map built from a list), or TOK_E_NOMEM.
 */
int tok_strmap_put(tok_strmap *m, const uint8_t *key, size_t n, uint32_t value);

/** The value of key[0..n), or -1 when absent. */
int64_t tok_strmap_get(const tok_strmap *m, const uint8_t *key, size_t n);

/** The value of the concatenation a[0..na) · b[0..nb), or -1 when absent. */
int64_t tok_strmap_get2(const tok_strmap *m, const uint8_t *a, size_t na, const uint8_t *b, size_t nb);

/** Number of keys in the map. */
size_t tok_strmap_count(const tok_strmap *m);

/**
 * An ICU regular expression (ICU syntax, Unicode properties, case-insensitive groups) compiled
 * once and matched over UTF-8 text; thread-safe: each thread matches with its own clone, kept
 * for reuse (at most 8 clones per thread stay allocated until the thread ends).
 */
typedef struct tok_regex tok_regex;

/**
 * Compiles `pattern` (UTF-8, pattern_len bytes) with ICU's MULTILINE and UNIX_LINES flags (as
 * Oniguruma's Ruby syntax reads ^, $ and .). Returns 0 and *out, or -1 with ICU's error
 * name in why[0..why_cap) and the failing offset (in UTF-16 units of the pattern) in *offset.
 */
int tok_regex_compile(const uint8_t *pattern, size_t pattern_len, tok_regex **out, char *why, size_t why_cap,
                      int32_t *offset);

/** Frees a compiled expression (NULL is fine). */
void tok_regex_free(tok_regex *r);

/**
 * All non-overlapping matches of r in s[0..len), leftmost first, as byte ranges: starts[k],
 * ends[k]. Empty matches are skipped (the search moves on one character). Ill-formed UTF-8
 * reads as U+FFFD. Returns the number of matches, TOK_E_CAPACITY when more than cap were found
 * (cap = len + 1 always suffices), or TOK_E_NOMEM on an ICU failure.
 */
int64_t tok_regex_matches(const tok_regex *r, const uint8_t *s, size_t len, uint32_t *starts, uint32_t *ends,
                          size_t cap);

/** Unicode normalization forms for tok_icu_normalize. */
enum { TOK_NFC = 0, TOK_NFD = 1, TOK_NFKC = 2, TOK_NFKD = 3 };

/**
 * Normalizes UTF-8 s[0..len) to `form` through ICU, segment by segment (a segment starts at
 * each character with a normalization boundary before it), writing UTF-8 to out[0..cap) and,
 * for each output byte, the input offset of its segment's start to origin[]. Ill-formed bytes
 * are copied through unchanged. Returns the output length, TOK_E_CAPACITY when cap is too small
 * (4 * len + 16 is not always enough: retry with more), or TOK_E_NOMEM on an ICU error.
 */
int64_t tok_icu_normalize(int form, const uint8_t *s, size_t len, uint8_t *out, uint32_t *origin, size_t cap);

#ifdef __cplusplus
}
#endif

#endif

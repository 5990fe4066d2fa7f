/*
 * tok_blocks.h — the token n-grams of a corpus, n = 1…4 at once, for block entropies.
 *
 * Every position i of a text gives one key: its id and the next three (t_i, t_i+1, t_i+2, t_i+3),
 * a reserved END id standing for each one past the text's end. Keys are kept sorted with their
 * counts, so the k-grams of every order k are the runs of keys that agree on their first k ids:
 * one sorted list counts the 1-, 2-, 3- and 4-grams together (n-grams never cross texts), and a
 * single pass over it gives every order's sums. Keys arrive in a buffer; a full buffer is sorted
 * (radix sort) and its equal keys merged into a run; runs of similar sizes are merged pairwise, so
 * each key is merged O(log) times. Memory grows with the number of distinct keys (16 bytes each,
 * the 4-grams of the corpus and its texts' shorter tails), plus the buffer (at most 32 MiB by
 * default, and as much again while it is sorted). While the buffer holds every key of a counter
 * (nothing was sorted into a run yet), a summary sorts it in place and reads it as it is.
 *
 * Ids must be below the limit the counter was made for, and that limit at most
 * TOK_BLOCKS_MAX_LIMIT: four ids of that width and a 44-bit count fill two 64-bit words. While
 * the ids a process has counted under one limit number fewer than 65,535, keys hold 16-bit
 * numbers for them instead (a process-wide map per limit, shared by its counters), one word
 * each: the sort moves half the bytes. Results do not depend on it. A counter is not
 * thread-safe; distinct counters may be used from distinct threads (the shared map is), and a
 * counter only read (tok_blocks_merge's source) from several.
 */
#ifndef TOK_BLOCKS_H
#define TOK_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tok_blocks tok_blocks;

/** The largest id limit a counter takes: 2^21 - 1 (ids up to 2^21 - 2; END is 2^21 - 1). */
enum { TOK_BLOCKS_MAX_LIMIT = (1 << 21) - 1 };

/**
 * A new, empty counter of the n-grams of ids below `id_limit` (1 … TOK_BLOCKS_MAX_LIMIT), up to
 * order `max_order` (1…4: positions further on are not looked at), or NULL when an argument is
 * out of range or memory runs out. Free it with tok_blocks_free.
 */
tok_blocks *tok_blocks_new(uint32_t id_limit, int max_order);

/** A copy of b (same limit, order and counts), or NULL when memory runs out. */
tok_blocks *tok_blocks_clone(const tok_blocks *b);

/**
 * Sets how many keys b's buffer holds at most before they are sorted into a run (at least 1,
 * else TOK_E_ARGUMENT; returns 0). The default, 8 Mi keys when four ids fit 64 bits (held as
 * 16-bit ids, 16 MiB; 64 MiB of 8-byte keys while they are sorted) and 2 Mi keys of 16 bytes
 * otherwise (32 MiB, as much again while sorted), sorts a corpus of up to about 32 MB of text in
 * one go; a smaller buffer takes less memory and merges more runs. Results do not depend on it.
 * Applies from the buffer's next growth or flush; copies (tok_blocks_clone) keep it.
 */
int tok_blocks_set_buffer(tok_blocks *b, size_t max_keys);

/** Frees b (NULL is allowed). */
void tok_blocks_free(tok_blocks *b);

/**
 * Adds the n-grams of one text ids[0..n): every k-gram inside it for k = 1…max_order. Returns 0;
 * TOK_E_ARGUMENT when an id is not below the counter's limit, TOK_E_TOO_LARGE when the keys
 * added in all would reach 2^44 (which bounds every count; nothing of this text is added on
 * either); TOK_E_NOMEM (the counter keeps what it had, and possibly part of this text).
 */
int tok_blocks_add(tok_blocks *b, const uint32_t *ids, size_t n);

/**
 * Adds every count of src to dst (made with the same limit and order, else TOK_E_ARGUMENT;
 * dst and src distinct). src is only read: its buffered keys are appended to dst's buffer when
 * they are still ids (not yet sorted, or a small counter's after a summary), else they and its
 * runs become runs of dst. Returns 0, TOK_E_TOO_LARGE (the two totals would reach 2^44; nothing is
 * added) or TOK_E_NOMEM (dst then holds what it had and part of src's counts).
 */
int tok_blocks_merge(tok_blocks *dst, const tok_blocks *src);

/** Per order k = 1…4 (index k; index 0 unused), what tok_blocks_summarize reports. */
typedef struct {
    uint64_t total[5];         /**< k-gram occurrences */
    uint64_t distinct[5];      /**< distinct k-grams */
    double clog2c[5];          /**< Σ c·log₂c over the distinct k-grams */
    /** for k = 1…3, Σ c·log₂c over the distinct first k ids of the (k+1)-grams, c counting
     *  (k+1)-grams: the context marginal of the conditional entropy H(T_k+1 | T_1…T_k) */
    double context_clog2c[5];
} tok_blocks_summary;

/**
 * Fills *out (orders above max_order are 0), and unigrams[0..min(cap, distinct 1-grams)) with
 * each distinct id's count in id order (unigrams may be NULL with cap 0; distinct[1] tells how
 * many there are, at most the ids added and the id limit). The sums add their terms exactly
 * (fixed point), so they do not depend on the order texts or merges came in. Sorts and merges
 * what b holds into one run first (so it is not const). Returns 0 or TOK_E_NOMEM.
 */
int tok_blocks_summarize(tok_blocks *b, tok_blocks_summary *out, uint64_t *unigrams, size_t cap);

#ifdef __cplusplus
}
#endif

#endif

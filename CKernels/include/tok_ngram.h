/*
 * tok_ngram.h — exact counts of token n-grams (n = 1…4) for the corpus statistics.
 *
 * A counter holds one order n. Keys are n token ids below 2^32; counts are exact 64-bit
 * integers. Memory grows with the number of distinct n-grams, never with the number of ids
 * added: 16 bytes each over a load factor of at most 0.7; 24 for n >= 3 once an id of 2^21 or
 * more is added or the total passes 2^43 (the counter then re-keys itself, once, wide).
 *
 * The table is cut into 256 partitions by the top bits of each key's hash. A long sequence is
 * added a block at a time: the block's n-grams are first scattered by partition, then each
 * partition's share is inserted while its (small) table is in cache, instead of one cache and
 * TLB miss per n-gram in a single large table.
 *
 * A counter is not thread-safe; distinct counters may be used from distinct threads.
 */
#ifndef TOK_NGRAM_H
#define TOK_NGRAM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tok_ngram_counter tok_ngram_counter;

/** A new, empty counter of n-grams of order n (1…4), or NULL when n is out of range or memory
 *  runs out. Free it with tok_ngram_free. */
tok_ngram_counter *tok_ngram_new(int n);

/** A copy of c (same order and counts), or NULL when memory runs out. */
tok_ngram_counter *tok_ngram_clone(const tok_ngram_counter *c);

/** Frees c (NULL is allowed). */
void tok_ngram_free(tok_ngram_counter *c);

/** The order n of c. */
int tok_ngram_order(const tok_ngram_counter *c);

/**
 * Adds one occurrence of every n-gram of ids[0..count) (count - n + 1 of them; none when
 * count < n). Returns 0, or TOK_E_NOMEM, in which case the counts of this call are partly
 * added (the counter stays valid and consistent: distinct and total match its entries).
 */
int tok_ngram_add_sequence(tok_ngram_counter *c, const uint32_t *ids, size_t count);

/** Adds `times` (> 0) occurrences of the n-gram key[0..n). Returns 0 or TOK_E_NOMEM. */
int tok_ngram_add(tok_ngram_counter *c, const uint32_t *key, uint64_t times);

/** Adds every count of src to dst (both of the same order, else TOK_E_ARGUMENT). Returns 0,
 *  or TOK_E_NOMEM with the counts partly added. */
int tok_ngram_merge(tok_ngram_counter *dst, const tok_ngram_counter *src);

/**
 * Merging many counters into one, partition by partition and on several threads at once:
 *
 *   tok_ngram_merge_begin(dst, srcs, k)   checks the orders and widens dst if the sources need
 *                                         it; returns 0 when the sources can be merged by
 *                                         partition, 1 when one of them is of another key format
 *                                         (then merge them one by one with tok_ngram_merge),
 *                                         TOK_E_ARGUMENT (orders differ) or TOK_E_NOMEM;
 *   tok_ngram_merge_parts(dst, srcs, k, first, last, &d, &t)
 *                                         adds the entries of partitions [first, last) (of the
 *                                         TOK_NGRAM_PARTS) of every source to dst, each of dst's
 *                                         partitions taking every source's share in turn while it
 *                                         is in cache; d and t are the distinct keys and counts it
 *                                         added. Calls with disjoint ranges may run at once on
 *                                         different threads (nothing else may use dst meanwhile;
 *                                         the sources are only read). Returns 0 or TOK_E_NOMEM
 *                                         (partly added);
 *   tok_ngram_merge_end(dst, d, t)        adds the sums of every part's d and t to dst's totals.
 */
enum { TOK_NGRAM_PARTS = 256 };
int tok_ngram_merge_begin(tok_ngram_counter *dst, const tok_ngram_counter *const *srcs, size_t k);
int tok_ngram_merge_parts(tok_ngram_counter *dst, const tok_ngram_counter *const *srcs, size_t k, unsigned first,
                          unsigned last, uint64_t *distinct, uint64_t *total);
void tok_ngram_merge_end(tok_ngram_counter *dst, uint64_t distinct, uint64_t total);

/** The count of the n-gram key[0..n) (0 when never added). */
uint64_t tok_ngram_get(const tok_ngram_counter *c, const uint32_t *key);

/** The number of distinct n-grams. */
uint64_t tok_ngram_distinct(const tok_ngram_counter *c);

/** The sum of all counts (the number of n-gram occurrences added). */
uint64_t tok_ngram_total(const tok_ngram_counter *c);

/**
 * Σ count · log₂(count) over the distinct n-grams (the plug-in entropy's sum). The terms are
 * added exactly (in fixed point), so the result does not depend on the order the counts arrived in.
 */
double tok_ngram_sum_clog2c(const tok_ngram_counter *c);

/**
 * Writes the counts of the distinct n-grams (in no particular order) to out[0..cap). Returns
 * how many were written (min(cap, distinct)).
 */
size_t tok_ngram_counts(const tok_ngram_counter *c, uint64_t *out, size_t cap);

/**
 * Writes the distinct n-grams with their counts: keys to keys[0..n*cap) (n ids each), counts
 * to counts[0..cap). Returns how many were written (min(cap, distinct)).
 */
size_t tok_ngram_entries(const tok_ngram_counter *c, uint32_t *keys, uint64_t *counts, size_t cap);

#ifdef __cplusplus
}
#endif

#endif

/*
 * ngram.c — partitioned open-addressing counts of token n-grams (see tok_ngram.h).
 *
 * An entry is two or three 64-bit words; count 0 marks an empty slot. Three layouts:
 *  - n <= 2:           id0 << 32 | id1, count.
 *  - n >= 3, packed:   id0 << 42 | id1 << 21 | id2, id3 << 43 | count (absent id3 0): every id
 *                      below 2^21 (every real vocabulary) and every count below 2^43.
 *  - n >= 3, wide:     id0 << 32 | id1, id2 << 32 | id3, count.
 * A counter of order 3 or 4 starts packed (16 bytes an entry instead of 24: a third less memory,
 * fewer cache lines and page faults on a corpus's millions of distinct 3- and 4-grams) and turns
 * wide, once and for good, when an id of 2^21 or more arrives or its total could reach 2^43
 * (no count can exceed the total). Linear probing; a partition doubles when it would pass 70%.
 */
#include "tok_ngram.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tok_bpe.h"
#include "tok_internal.h"

#define PART_BITS 8
#define PARTS (1u << PART_BITS)
_Static_assert(PARTS == TOK_NGRAM_PARTS, "tok_ngram.h states the partition count");
#define BLOCK ((size_t)1 << 20)     /* n-grams scattered per block */
#define SCATTER_MIN 8192            /* shorter sequences are inserted directly */
#define LOG_CACHE 4096              /* c · log2(c) tabulated below this */
#define PREFETCH 8                  /* keys ahead whose slot is prefetched */
#define PACK_BITS 21
#define PACK_MASK (((uint64_t)1 << PACK_BITS) - 1)
#define CNT_BITS 43
#define CNT_MASK (((uint64_t)1 << CNT_BITS) - 1)

enum { F2, FP, FW }; /* layouts: n <= 2, packed, wide */

typedef struct {
    uint64_t *slots;  /* (mask + 1) * stride words */
    size_t mask;      /* capacity - 1; capacity 0 when slots is NULL */
    size_t used;
} part;

struct tok_ngram_counter {
    int n;
    int fmt;          /* F2, FP or FW */
    uint64_t total;
    uint64_t distinct;
    double fresh;     /* share of new keys among the last block's n-grams (sizes reservations) */
    part parts[PARTS];
};

static inline int stride_of(int fmt) { return fmt == FW ? 3 : 2; }

/* A key as two words (a, b) in a layout: F2 (ids, 0), FP (id0..id2 packed, id3), FW (the two
 * words). The hash of a key is hash2(a, b). */
static inline void key_of(const uint32_t *ids, int n, int fmt, uint64_t *a, uint64_t *b) {
    if (fmt == FP) {
        *a = (uint64_t)ids[0] << 42 | (uint64_t)ids[1] << 21 | ids[2];
        *b = n > 3 ? ids[3] : 0;
    } else {
        *a = (uint64_t)ids[0] << 32 | (n > 1 ? ids[1] : 0);
        *b = fmt == FW ? ((uint64_t)ids[2] << 32 | (n > 3 ? ids[3] : 0)) : 0;
    }
}

static inline void ids_of(uint64_t a, uint64_t b, int n, int fmt, uint32_t *ids) {
    if (fmt == FP) {
        ids[0] = (uint32_t)(a >> 42);
        ids[1] = (uint32_t)(a >> 21 & PACK_MASK);
        ids[2] = (uint32_t)(a & PACK_MASK);
        if (n > 3) ids[3] = (uint32_t)b;
        return;
    }
    ids[0] = (uint32_t)(a >> 32);
    if (n > 1) ids[1] = (uint32_t)a;
    if (n > 2) ids[2] = (uint32_t)(b >> 32);
    if (n > 3) ids[3] = (uint32_t)b;
}

static inline uint64_t e_count(const uint64_t *e, int fmt) {
    return fmt == FW ? e[2] : fmt == FP ? e[1] & CNT_MASK : e[1];
}

/* The key (a, b) of an occupied entry. */
static inline void e_key(const uint64_t *e, int fmt, uint64_t *a, uint64_t *b) {
    *a = e[0];
    *b = fmt == FW ? e[1] : fmt == FP ? e[1] >> CNT_BITS : 0;
}

static inline uint64_t hash2(uint64_t a, uint64_t b) {
    uint64_t h = a * 0x9E3779B97F4A7C15ull;
    h ^= (b * 0xC2B2AE3D27D4EB4Full) >> 3 | (b * 0xC2B2AE3D27D4EB4Full) << 61;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return h;
}

static inline unsigned part_of(uint64_t h) { return (unsigned)(h >> (64 - PART_BITS)); }

/* Inserts into a partition with room (used + 1 <= 70% of capacity). Returns 1 when new. The
 * caller keeps packed counts below 2^43 (see widen_for). */
static inline __attribute__((always_inline)) int part_insert(part *p, int fmt, uint64_t h, uint64_t a,
                                                             uint64_t b, uint64_t times) {
    const int stride = stride_of(fmt);
    size_t i = (size_t)h & p->mask;
    for (;;) {
        uint64_t *e = p->slots + i * (size_t)stride;
        if (e_count(e, fmt) == 0) {
            e[0] = a;
            if (fmt == FW) { e[1] = b; e[2] = times; }
            else if (fmt == FP) e[1] = b << CNT_BITS | times;
            else e[1] = times;
            p->used++;
            return 1;
        }
        if (e[0] == a && (fmt == F2 || (fmt == FW ? e[1] == b : e[1] >> CNT_BITS == b))) {
            e[fmt == FW ? 2 : 1] += times;
            return 0;
        }
        i = (i + 1) & p->mask;
    }
}

static int part_fits(const part *p, size_t extra) {
    size_t cap = p->slots ? p->mask + 1 : 0;
    return (p->used + extra) * 10 <= cap * 7;
}

/* Grows p so that `extra` more keys fit. Returns 0 or TOK_E_NOMEM (p unchanged). */
static int part_reserve(part *p, int fmt, size_t extra) {
    if (part_fits(p, extra)) return 0;
    const int stride = stride_of(fmt);
    size_t cap = p->slots ? p->mask + 1 : 16;
    while ((p->used + extra) * 10 > cap * 7) {
        if (cap > ((size_t)1 << 58) / (size_t)stride) return TOK_E_NOMEM;
        cap *= 2;
    }
    uint64_t *slots = calloc(cap, (size_t)stride * sizeof(uint64_t));
    if (!slots) return TOK_E_NOMEM;
    part q = {slots, cap - 1, 0};
    if (p->slots) {
        for (size_t i = 0; i <= p->mask; i++) {
            const uint64_t *e = p->slots + i * (size_t)stride;
            uint64_t cnt = e_count(e, fmt), a, b;
            if (!cnt) continue;
            e_key(e, fmt, &a, &b);
            part_insert(&q, fmt, hash2(a, b), a, b, cnt);
        }
        free(p->slots);
    }
    *p = q;
    return 0;
}

tok_ngram_counter *tok_ngram_new(int n) {
    if (n < 1 || n > 4) return NULL;
    tok_ngram_counter *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->n = n;
    c->fmt = n <= 2 ? F2 : FP;
    c->fresh = 1.0;
    return c;
}

static void parts_free(part *parts) {
    for (unsigned i = 0; i < PARTS; i++) free(parts[i].slots);
}

void tok_ngram_free(tok_ngram_counter *c) {
    if (!c) return;
    parts_free(c->parts);
    free(c);
}

tok_ngram_counter *tok_ngram_clone(const tok_ngram_counter *c) {
    tok_ngram_counter *d = tok_ngram_new(c->n);
    if (!d) return NULL;
    d->fmt = c->fmt;
    d->total = c->total;
    d->distinct = c->distinct;
    d->fresh = c->fresh;
    for (unsigned i = 0; i < PARTS; i++) {
        const part *p = &c->parts[i];
        if (!p->slots) continue;
        size_t words = (p->mask + 1) * (size_t)stride_of(c->fmt);
        d->parts[i].slots = malloc(words * sizeof(uint64_t));
        if (!d->parts[i].slots) { tok_ngram_free(d); return NULL; }
        memcpy(d->parts[i].slots, p->slots, words * sizeof(uint64_t));
        d->parts[i].mask = p->mask;
        d->parts[i].used = p->used;
    }
    return d;
}

int tok_ngram_order(const tok_ngram_counter *c) { return c->n; }

/* Turns a packed counter wide: every entry re-keyed into new partitions. Returns 0 or
 * TOK_E_NOMEM (the counter unchanged). */
static int widen(tok_ngram_counter *c) {
    if (c->fmt != FP) return 0;
    part *np = calloc(PARTS, sizeof(part));
    if (!np) return TOK_E_NOMEM;
    for (unsigned q = 0; q < PARTS; q++) {
        const part *p = &c->parts[q];
        if (!p->slots) continue;
        for (size_t i = 0; i <= p->mask; i++) {
            const uint64_t *e = p->slots + i * 2;
            uint64_t cnt = e_count(e, FP), a, b;
            if (!cnt) continue;
            uint32_t ids[4];
            e_key(e, FP, &a, &b);
            ids_of(a, b, c->n, FP, ids);
            key_of(ids, c->n, FW, &a, &b);
            uint64_t h = hash2(a, b);
            part *t = &np[part_of(h)];
            if (part_reserve(t, FW, 1)) { parts_free(np); free(np); return TOK_E_NOMEM; }
            part_insert(t, FW, h, a, b, cnt);
        }
    }
    parts_free(c->parts);
    memcpy(c->parts, np, sizeof c->parts);
    free(np);
    c->fmt = FW;
    return 0;
}

/* Makes a packed counter wide when `ids` (or, with ids NULL, nothing) hold an id of 2^21 or more
 * or `more` occurrences could take a count to 2^43. */
static int widen_for(tok_ngram_counter *c, const uint32_t *ids, size_t count, uint64_t more) {
    if (c->fmt != FP) return 0;
    uint32_t any = 0;
    for (size_t i = 0; i < count; i++) any |= ids[i];
    if (any >> PACK_BITS || c->total + more > CNT_MASK || more > CNT_MASK) return widen(c);
    return 0;
}

static int add_one(tok_ngram_counter *c, uint64_t a, uint64_t b, uint64_t times) {
    uint64_t h = hash2(a, b);
    part *p = &c->parts[part_of(h)];
    if (part_reserve(p, c->fmt, 1)) return TOK_E_NOMEM;
    c->distinct += (uint64_t)part_insert(p, c->fmt, h, a, b, times);
    c->total += times;
    return 0;
}

int tok_ngram_add(tok_ngram_counter *c, const uint32_t *key, uint64_t times) {
    if (times == 0) return 0;
    if (widen_for(c, key, (size_t)c->n, times)) return TOK_E_NOMEM;
    uint64_t a, b;
    key_of(key, c->n, c->fmt, &a, &b);
    return add_one(c, a, b, times);
}

/* tok_ngram_add_sequence in layout fmt (a constant at each call, so each layout gets its own
 * specialized loops). */
static inline __attribute__((always_inline)) int add_sequence(tok_ngram_counter *c, const int fmt,
                                                              const uint32_t *ids, size_t count) {
    const int n = c->n, stride = stride_of(fmt);
    size_t m = count - (size_t)n + 1;
    if (m < SCATTER_MIN) {
        /* a short text: groups of keys whose slots are prefetched before they are inserted */
        enum { GROUP = 16 };
        for (size_t j = 0; j < m; j += GROUP) {
            size_t g = m - j < GROUP ? m - j : GROUP;
            uint64_t ka[GROUP], kb[GROUP], kh[GROUP];
            for (size_t k = 0; k < g; k++) {
                key_of(ids + j + k, n, fmt, &ka[k], &kb[k]);
                kh[k] = hash2(ka[k], kb[k]);
                part *p = &c->parts[part_of(kh[k])];
                if (part_reserve(p, fmt, 1)) return TOK_E_NOMEM;
                __builtin_prefetch(p->slots + ((size_t)kh[k] & p->mask) * (size_t)stride, 1);
            }
            for (size_t k = 0; k < g; k++) {
                part *p = &c->parts[part_of(kh[k])];
                if (!part_fits(p, 1) && part_reserve(p, fmt, 1)) return TOK_E_NOMEM;
                c->distinct += (uint64_t)part_insert(p, fmt, kh[k], ka[k], kb[k], 1);
                c->total++;
            }
        }
        return 0;
    }
    /* Scatter a block's keys by partition (each with its hash), then insert partition by
     * partition, prefetching the slot of the key PREFETCH places ahead: the probes of a block
     * overlap their cache misses instead of waiting for each in turn. */
    size_t block = m < BLOCK ? m : BLOCK;
    const size_t rec = fmt == F2 ? 2 : 3;          /* words per record: key word(s) + hash */
    uint64_t *buf = malloc(block * rec * sizeof(uint64_t));
    uint64_t *hs = malloc(block * sizeof(uint64_t));
    if (!buf || !hs) { free(buf); free(hs); return TOK_E_NOMEM; }
    int rc = 0;
    for (size_t s = 0; s < m && rc == 0; s += block) {
        size_t b = m - s < block ? m - s : block;
        uint64_t distinct_before = c->distinct;
        size_t start[PARTS + 1], fill[PARTS];
        memset(fill, 0, sizeof fill);
        for (size_t j = 0; j < b; j++) {
            uint64_t ka, kb;
            key_of(ids + s + j, n, fmt, &ka, &kb);
            uint64_t h = hash2(ka, kb);
            hs[j] = h;
            fill[part_of(h)]++;
        }
        start[0] = 0;
        for (unsigned q = 0; q < PARTS; q++) start[q + 1] = start[q] + fill[q];
        memcpy(fill, start, sizeof fill);
        for (size_t j = 0; j < b; j++) {
            uint64_t ka, kb;
            key_of(ids + s + j, n, fmt, &ka, &kb);
            uint64_t *r = buf + fill[part_of(hs[j])]++ * rec;
            r[0] = ka;
            if (rec == 3) r[1] = kb;
            r[rec - 1] = hs[j];
        }
        for (unsigned q = 0; q < PARTS && rc == 0; q++) {
            size_t k = start[q + 1] - start[q];
            if (!k) continue;
            part *p = &c->parts[q];
            /* reserve for as many new keys as the last block's share of new keys predicts
             * (growing step by step costs a rehash and fresh pages per doubling); the loop
             * below still grows the table if more arrive */
            if (part_reserve(p, fmt, (size_t)((double)k * c->fresh) + 8)) { rc = TOK_E_NOMEM; break; }
            const uint64_t *r = buf + start[q] * rec, *end = buf + start[q + 1] * rec;
            for (; r < end; r += rec) {
                if (r + PREFETCH * rec < end)
                    __builtin_prefetch(p->slots + ((size_t)r[PREFETCH * rec + rec - 1] & p->mask) * (size_t)stride, 1);
                if (!part_fits(p, 1) && part_reserve(p, fmt, 1)) { rc = TOK_E_NOMEM; break; }
                c->distinct += (uint64_t)part_insert(p, fmt, r[rec - 1], r[0], rec == 3 ? r[1] : 0, 1);
                c->total++;
            }
        }
        c->fresh = (double)(c->distinct - distinct_before) / (double)b;
    }
    free(buf);
    free(hs);
    return rc;
}

int tok_ngram_add_sequence(tok_ngram_counter *c, const uint32_t *ids, size_t count) {
    if (count < (size_t)c->n) return 0;
    if (widen_for(c, ids, count, count)) return TOK_E_NOMEM;
    switch (c->fmt) {
    case F2: return add_sequence(c, F2, ids, count);
    case FP: return add_sequence(c, FP, ids, count);
    default: return add_sequence(c, FW, ids, count);
    }
}

int tok_ngram_merge_begin(tok_ngram_counter *dst, const tok_ngram_counter *const *srcs, size_t k) {
    uint64_t total = dst->total;
    int wide = 0;
    for (size_t i = 0; i < k; i++) {
        if (srcs[i]->n != dst->n) return TOK_E_ARGUMENT;
        wide |= srcs[i]->fmt == FW;
        total += srcs[i]->total;
        if (total < srcs[i]->total) wide = 1; /* wrapped: far past the packed limit */
    }
    if (dst->fmt == FP && (wide || total > CNT_MASK) && widen(dst)) return TOK_E_NOMEM;
    for (size_t i = 0; i < k; i++)
        if (srcs[i]->fmt != dst->fmt) return 1;
    return 0;
}

int tok_ngram_merge_parts(tok_ngram_counter *dst, const tok_ngram_counter *const *srcs, size_t k, unsigned first,
                          unsigned last, uint64_t *distinct, uint64_t *total) {
    const int fmt = dst->fmt, stride = stride_of(fmt);
    uint64_t nd = 0, nt = 0;
    int rc = 0;
    if (last > PARTS) last = PARTS;
    for (unsigned q = first; q < last && !rc; q++) {
        part *p = &dst->parts[q];
        /* (Reserving every source's keys at once measured no faster and took 5% more memory.) */
        for (size_t j = 0; j < k; j++) {
            const part *s = &srcs[j]->parts[q];
            if (!s->slots || !s->used) continue;
            if (part_reserve(p, fmt, s->used)) { rc = TOK_E_NOMEM; break; }
            for (size_t i = 0; i <= s->mask; i++) {
                const uint64_t *e = s->slots + i * (size_t)stride;
                uint64_t cnt = e_count(e, fmt), a, b;
                if (!cnt) continue;
                e_key(e, fmt, &a, &b);
                nd += (uint64_t)part_insert(p, fmt, hash2(a, b), a, b, cnt);
                nt += cnt;
            }
        }
    }
    *distinct = nd;
    *total = nt;
    return rc;
}

void tok_ngram_merge_end(tok_ngram_counter *dst, uint64_t distinct, uint64_t total) {
    dst->distinct += distinct;
    dst->total += total;
}

int tok_ngram_merge(tok_ngram_counter *dst, const tok_ngram_counter *src) {
    int rc = tok_ngram_merge_begin(dst, &src, 1);
    if (rc < 0) return rc;
    uint64_t nd = 0, nt = 0;
    if (rc == 0) {   /* the same layout: partition by partition */
        rc = tok_ngram_merge_parts(dst, &src, 1, 0, PARTS, &nd, &nt);
        tok_ngram_merge_end(dst, nd, nt);
        return rc;
    }
    /* a packed source into a wide destination: every key made wide, so its partition changes */
    for (unsigned q = 0; q < PARTS; q++) {
        const part *s = &src->parts[q];
        if (!s->slots || !s->used) continue;
        for (size_t i = 0; i <= s->mask; i++) {
            const uint64_t *e = s->slots + i * 2;
            uint64_t cnt = e_count(e, FP), a, b;
            if (!cnt) continue;
            uint32_t ids[4];
            e_key(e, FP, &a, &b);
            ids_of(a, b, src->n, FP, ids);
            key_of(ids, src->n, FW, &a, &b);
            uint64_t h = hash2(a, b);
            part *p = &dst->parts[part_of(h)];
            if (part_reserve(p, FW, 1)) { tok_ngram_merge_end(dst, nd, nt); return TOK_E_NOMEM; }
            nd += (uint64_t)part_insert(p, FW, h, a, b, cnt);
            nt += cnt;
        }
    }
    tok_ngram_merge_end(dst, nd, nt);
    return 0;
}

uint64_t tok_ngram_get(const tok_ngram_counter *c, const uint32_t *key) {
    if (c->fmt == FP)
        for (int k = 0; k < c->n; k++)
            if (key[k] >> PACK_BITS) return 0; /* a packed counter holds no such id */
    const int fmt = c->fmt, stride = stride_of(fmt);
    uint64_t a, b;
    key_of(key, c->n, fmt, &a, &b);
    uint64_t h = hash2(a, b);
    const part *p = &c->parts[part_of(h)];
    if (!p->slots) return 0;
    size_t i = (size_t)h & p->mask;
    for (;;) {
        const uint64_t *e = p->slots + i * (size_t)stride;
        uint64_t cnt = e_count(e, fmt), ea, eb;
        if (cnt == 0) return 0;
        e_key(e, fmt, &ea, &eb);
        if (ea == a && eb == b) return cnt;
        i = (i + 1) & p->mask;
    }
}

uint64_t tok_ngram_distinct(const tok_ngram_counter *c) { return c->distinct; }
uint64_t tok_ngram_total(const tok_ngram_counter *c) { return c->total; }

static double clog2c_table[LOG_CACHE];
static pthread_once_t clog2c_once = PTHREAD_ONCE_INIT;
static void clog2c_init(void) {
    for (int i = 1; i < LOG_CACHE; i++) clog2c_table[i] = (double)i * log2((double)i);
}

double tok__clog2c(uint64_t c) {
    pthread_once(&clog2c_once, clog2c_init);
    return c < LOG_CACHE ? clog2c_table[c] : (double)c * log2((double)c);
}

static tok__fsum clog2c_fixed[TOK_CLOG2C_FIXED];
static pthread_once_t clog2c_fixed_once = PTHREAD_ONCE_INIT;
static void clog2c_fixed_init(void) {
    for (uint64_t c = 0; c < TOK_CLOG2C_FIXED; c++) tok__fsum_add_clog2c(&clog2c_fixed[c], c);
}

const tok__fsum *tok__clog2c_fixed(void) {
    pthread_once(&clog2c_fixed_once, clog2c_fixed_init);
    return clog2c_fixed;
}

double tok_ngram_sum_clog2c(const tok_ngram_counter *c) {
    const int fmt = c->fmt, stride = stride_of(fmt);
    tok__fsum sum = {0, 0}; /* exact: the same digits whatever order the slots hold the keys in */
    for (unsigned q = 0; q < PARTS; q++) {
        const part *p = &c->parts[q];
        if (!p->slots) continue;
        for (size_t i = 0; i <= p->mask; i++) tok__fsum_add_clog2c(&sum, e_count(p->slots + i * (size_t)stride, fmt));
    }
    return tok__fsum_value(sum);
}

size_t tok_ngram_counts(const tok_ngram_counter *c, uint64_t *out, size_t cap) {
    const int fmt = c->fmt, stride = stride_of(fmt);
    size_t k = 0;
    for (unsigned q = 0; q < PARTS && k < cap; q++) {
        const part *p = &c->parts[q];
        if (!p->slots) continue;
        for (size_t i = 0; i <= p->mask && k < cap; i++) {
            uint64_t cnt = e_count(p->slots + i * (size_t)stride, fmt);
            if (cnt) out[k++] = cnt;
        }
    }
    return k;
}

size_t tok_ngram_entries(const tok_ngram_counter *c, uint32_t *keys, uint64_t *counts, size_t cap) {
    size_t k = 0;
    const int n = c->n, fmt = c->fmt, stride = stride_of(fmt);
    for (unsigned q = 0; q < PARTS && k < cap; q++) {
        const part *p = &c->parts[q];
        if (!p->slots) continue;
        for (size_t i = 0; i <= p->mask && k < cap; i++) {
            const uint64_t *e = p->slots + i * (size_t)stride;
            uint64_t cnt = e_count(e, fmt), a, b;
            if (!cnt) continue;
            e_key(e, fmt, &a, &b);
            ids_of(a, b, n, fmt, keys + k * (size_t)n);
            counts[k++] = cnt;
        }
    }
    return k;
}

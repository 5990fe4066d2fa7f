/*
 * ngram.c — partitioned open-addressing counts of token n-grams (see tok_ngram.h).
 *
 * An entry is `stride` 64-bit words: the key (one word for n <= 2: id0 << 32 | id1; two words
 * for n >= 3: id0 << 32 | id1, id2 << 32 | id3, absent ids 0) and the count; count 0 marks an
 * empty slot. Linear probing; a partition doubles when it would pass 70% full.
 */
#include "tok_ngram.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tok_bpe.h"

#define PART_BITS 8
#define PARTS (1u << PART_BITS)
#define BLOCK ((size_t)1 << 20)     /* n-grams scattered per block */
#define SCATTER_MIN 8192            /* shorter sequences are inserted directly */
#define LOG_CACHE 4096
#define PREFETCH 8                  /* keys ahead whose slot is prefetched */              /* c · log2(c) tabulated below this */

typedef struct {
    uint64_t *slots;  /* (mask + 1) * stride words */
    size_t mask;      /* capacity - 1; capacity 0 when slots is NULL */
    size_t used;
} part;

struct tok_ngram_counter {
    int n;
    int stride;       /* 2 or 3 words per entry */
    uint64_t total;
    uint64_t distinct;
    double fresh;     /* share of new keys among the last block's n-grams (sizes reservations) */
    part parts[PARTS];
};

static inline uint64_t key0(const uint32_t *ids, int n) {
    return (uint64_t)ids[0] << 32 | (n > 1 ? ids[1] : 0);
}
static inline uint64_t key1(const uint32_t *ids, int n) {
    return n > 2 ? ((uint64_t)ids[2] << 32 | (n > 3 ? ids[3] : 0)) : 0;
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

/* Inserts into a partition with room (used + 1 <= 70% of capacity). Returns 1 when new. */
static inline int part_insert(part *p, int stride, uint64_t h, uint64_t a, uint64_t b, uint64_t times) {
    size_t i = (size_t)h & p->mask;
    for (;;) {
        uint64_t *e = p->slots + i * (size_t)stride;
        uint64_t *cnt = e + stride - 1;
        if (*cnt == 0) {
            e[0] = a;
            if (stride == 3) e[1] = b;
            *cnt = times;
            p->used++;
            return 1;
        }
        if (e[0] == a && (stride == 2 || e[1] == b)) {
            *cnt += times;
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
static int part_reserve(part *p, int stride, size_t extra) {
    if (part_fits(p, extra)) return 0;
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
            uint64_t cnt = e[stride - 1];
            if (cnt) {
                uint64_t b = stride == 3 ? e[1] : 0;
                part_insert(&q, stride, hash2(e[0], b), e[0], b, cnt);
            }
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
    c->stride = n <= 2 ? 2 : 3;
    c->fresh = 1.0;
    return c;
}

void tok_ngram_free(tok_ngram_counter *c) {
    if (!c) return;
    for (unsigned i = 0; i < PARTS; i++) free(c->parts[i].slots);
    free(c);
}

tok_ngram_counter *tok_ngram_clone(const tok_ngram_counter *c) {
    tok_ngram_counter *d = tok_ngram_new(c->n);
    if (!d) return NULL;
    d->total = c->total;
    d->distinct = c->distinct;
    d->fresh = c->fresh;
    for (unsigned i = 0; i < PARTS; i++) {
        const part *p = &c->parts[i];
        if (!p->slots) continue;
        size_t words = (p->mask + 1) * (size_t)c->stride;
        d->parts[i].slots = malloc(words * sizeof(uint64_t));
        if (!d->parts[i].slots) { tok_ngram_free(d); return NULL; }
        memcpy(d->parts[i].slots, p->slots, words * sizeof(uint64_t));
        d->parts[i].mask = p->mask;
        d->parts[i].used = p->used;
    }
    return d;
}

int tok_ngram_order(const tok_ngram_counter *c) { return c->n; }

static int add_one(tok_ngram_counter *c, uint64_t a, uint64_t b, uint64_t times) {
    uint64_t h = hash2(a, b);
    part *p = &c->parts[part_of(h)];
    if (part_reserve(p, c->stride, 1)) return TOK_E_NOMEM;
    c->distinct += (uint64_t)part_insert(p, c->stride, h, a, b, times);
    c->total += times;
    return 0;
}

int tok_ngram_add(tok_ngram_counter *c, const uint32_t *key, uint64_t times) {
    if (times == 0) return 0;
    return add_one(c, key0(key, c->n), key1(key, c->n), times);
}

int tok_ngram_add_sequence(tok_ngram_counter *c, const uint32_t *ids, size_t count) {
    const int n = c->n, stride = c->stride;
    if (count < (size_t)n) return 0;
    size_t m = count - (size_t)n + 1;
    if (m < SCATTER_MIN) {
        /* a short text: groups of keys whose slots are prefetched before they are inserted */
        enum { GROUP = 16 };
        for (size_t j = 0; j < m; j += GROUP) {
            size_t g = m - j < GROUP ? m - j : GROUP;
            uint64_t ka[GROUP], kb[GROUP], kh[GROUP];
            for (size_t k = 0; k < g; k++) {
                ka[k] = key0(ids + j + k, n);
                kb[k] = key1(ids + j + k, n);
                kh[k] = hash2(ka[k], kb[k]);
                part *p = &c->parts[part_of(kh[k])];
                if (part_reserve(p, stride, 1)) return TOK_E_NOMEM;
                __builtin_prefetch(p->slots + ((size_t)kh[k] & p->mask) * (size_t)stride, 1);
            }
            for (size_t k = 0; k < g; k++) {
                part *p = &c->parts[part_of(kh[k])];
                if (!part_fits(p, 1) && part_reserve(p, stride, 1)) return TOK_E_NOMEM;
                c->distinct += (uint64_t)part_insert(p, stride, kh[k], ka[k], kb[k], 1);
                c->total++;
            }
        }
        return 0;
    }
    /* Scatter a block's keys by partition (each with its hash), then insert partition by
     * partition, prefetching the slot of the key PREFETCH places ahead: the probes of a block
     * overlap their cache misses instead of waiting for each in turn. */
    size_t block = m < BLOCK ? m : BLOCK;
    size_t rec = (size_t)stride;                   /* words per record: key word(s) + hash */
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
            const uint32_t *g = ids + s + j;
            uint64_t h = hash2(key0(g, n), key1(g, n));
            hs[j] = h;
            fill[part_of(h)]++;
        }
        start[0] = 0;
        for (unsigned q = 0; q < PARTS; q++) start[q + 1] = start[q] + fill[q];
        memcpy(fill, start, sizeof fill);
        for (size_t j = 0; j < b; j++) {
            const uint32_t *g = ids + s + j;
            uint64_t *r = buf + fill[part_of(hs[j])]++ * rec;
            r[0] = key0(g, n);
            if (stride == 3) r[1] = key1(g, n);
            r[rec - 1] = hs[j];
        }
        for (unsigned q = 0; q < PARTS && rc == 0; q++) {
            size_t k = start[q + 1] - start[q];
            if (!k) continue;
            part *p = &c->parts[q];
            /* reserve for as many new keys as the last block's share of new keys predicts
             * (growing step by step costs a rehash and fresh pages per doubling); the loop
             * below still grows the table if more arrive */
            if (part_reserve(p, stride, (size_t)((double)k * c->fresh) + 8)) { rc = TOK_E_NOMEM; break; }
            const uint64_t *r = buf + start[q] * rec, *end = buf + start[q + 1] * rec;
            for (; r < end; r += rec) {
                if (r + PREFETCH * rec < end)
                    __builtin_prefetch(p->slots + ((size_t)r[PREFETCH * rec + rec - 1] & p->mask) * (size_t)stride, 1);
                uint64_t a = r[0], bb = stride == 3 ? r[1] : 0;
                if (!part_fits(p, 1) && part_reserve(p, stride, 1)) { rc = TOK_E_NOMEM; break; }
                c->distinct += (uint64_t)part_insert(p, stride, r[rec - 1], a, bb, 1);
                c->total++;
            }
        }
        c->fresh = (double)(c->distinct - distinct_before) / (double)b;
    }
    free(buf);
    free(hs);
    return rc;
}

int tok_ngram_merge(tok_ngram_counter *dst, const tok_ngram_counter *src) {
    if (dst->n != src->n) return TOK_E_ARGUMENT;
    const int stride = src->stride;
    for (unsigned q = 0; q < PARTS; q++) {
        const part *s = &src->parts[q];
        if (!s->slots || !s->used) continue;
        part *p = &dst->parts[q];
        if (part_reserve(p, stride, s->used)) return TOK_E_NOMEM;
        for (size_t i = 0; i <= s->mask; i++) {
            const uint64_t *e = s->slots + i * (size_t)stride;
            uint64_t cnt = e[stride - 1];
            if (!cnt) continue;
            uint64_t b = stride == 3 ? e[1] : 0;
            dst->distinct += (uint64_t)part_insert(p, stride, hash2(e[0], b), e[0], b, cnt);
            dst->total += cnt;
        }
    }
    return 0;
}

uint64_t tok_ngram_get(const tok_ngram_counter *c, const uint32_t *key) {
    uint64_t a = key0(key, c->n), b = key1(key, c->n), h = hash2(a, b);
    const part *p = &c->parts[part_of(h)];
    if (!p->slots) return 0;
    size_t i = (size_t)h & p->mask;
    for (;;) {
        const uint64_t *e = p->slots + i * (size_t)c->stride;
        uint64_t cnt = e[c->stride - 1];
        if (cnt == 0) return 0;
        if (e[0] == a && (c->stride == 2 || e[1] == b)) return cnt;
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

double tok_ngram_sum_clog2c(const tok_ngram_counter *c) {
    pthread_once(&clog2c_once, clog2c_init);
    const double *table = clog2c_table;
    double s = 0;
    for (unsigned q = 0; q < PARTS; q++) {
        const part *p = &c->parts[q];
        if (!p->slots) continue;
        for (size_t i = 0; i <= p->mask; i++) {
            uint64_t cnt = p->slots[i * (size_t)c->stride + (size_t)c->stride - 1];
            if (cnt > 1) s += cnt < LOG_CACHE ? table[cnt] : (double)cnt * log2((double)cnt);
        }
    }
    return s;
}

size_t tok_ngram_counts(const tok_ngram_counter *c, uint64_t *out, size_t cap) {
    size_t k = 0;
    for (unsigned q = 0; q < PARTS && k < cap; q++) {
        const part *p = &c->parts[q];
        if (!p->slots) continue;
        for (size_t i = 0; i <= p->mask && k < cap; i++) {
            uint64_t cnt = p->slots[i * (size_t)c->stride + (size_t)c->stride - 1];
            if (cnt) out[k++] = cnt;
        }
    }
    return k;
}

size_t tok_ngram_entries(const tok_ngram_counter *c, uint32_t *keys, uint64_t *counts, size_t cap) {
    size_t k = 0;
    const int n = c->n;
    for (unsigned q = 0; q < PARTS && k < cap; q++) {
        const part *p = &c->parts[q];
        if (!p->slots) continue;
        for (size_t i = 0; i <= p->mask && k < cap; i++) {
            const uint64_t *e = p->slots + i * (size_t)c->stride;
            uint64_t cnt = e[c->stride - 1];
            if (!cnt) continue;
            uint32_t *key = keys + k * (size_t)n;
            key[0] = (uint32_t)(e[0] >> 32);
            if (n > 1) key[1] = (uint32_t)e[0];
            if (n > 2) key[2] = (uint32_t)(e[1] >> 32);
            if (n > 3) key[3] = (uint32_t)e[1];
            counts[k++] = cnt;
        }
    }
    return k;
}

/*
 * tok_internal.h — shared internals of the C kernels (not part of the module's headers).
 */
#ifndef TOK_INTERNAL_H
#define TOK_INTERNAL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tok_bpe.h"

/* A token's place in the arena: offset in the high 32 bits, length (never 0) in the low ones.
 * 0 means "no token with this id". */
/* Standard base64 (padded, n a multiple of 4) into out (room for n / 4 * 3 bytes): the number of
 * bytes written, or -1 for anything else. */
long tok__b64_decode(const uint8_t *b, size_t n, uint8_t *out);

/* Zeroed memory of `bytes` for a table read at random (the token hash tables, the piece cache).
 * On Linux, from 1 MiB up, an anonymous mapping of its own, aligned to 2 MiB and advised
 * MADV_HUGEPAGE: where the system grants transparent huge pages (the default "madvise" mode
 * included), lookups spread over megabytes miss the TLB far less. Below 1 MiB, and elsewhere,
 * calloc. NULL when memory runs out. Release with tok__table_free and the same `bytes`. */
void *tok__table_alloc(size_t bytes);
void tok__table_free(void *p, size_t bytes);

#define TOK_SPAN(off, len) (((uint64_t)(off) << 32) | (uint64_t)(uint32_t)(len))
#define TOK_SPAN_OFF(sp) ((size_t)((sp) >> 32))
#define TOK_SPAN_LEN(sp) ((uint32_t)(sp))

struct tok_vocab {
    uint8_t *arena;      /* token bytes; 16 zero bytes of padding past arena_len */
    size_t arena_len, arena_cap;
    uint64_t *spans;     /* per id, TOK_SPAN or 0 */
    uint32_t id_limit;   /* entries in spans */
    uint32_t n_ranks;    /* mergeable tokens: ids 0..n_ranks-1 */
    uint32_t max_len;    /* longest mergeable token */
    uint64_t *table;     /* (hash tag << 32) | id, or UINT64_MAX when empty */
    size_t mask;         /* table capacity - 1 */
    uint32_t byte_id[256];
    /* Tokens of 8 bytes or fewer but for 3 and 4 (tab34), keyed by their bytes as a zero-padded
     * little-endian word: a lookup touches one 16-byte entry, no arena. len 0 marks an empty entry. */
    struct tok_short_entry { uint64_t key; uint32_t id; uint32_t len; } *short_table;
    unsigned short_shift; /* 64 - log2(capacity) */
    uint32_t *pair_rank;  /* 65536 entries: id of the token b0 b1, or UINT32_MAX */
    /* Tokens of 3 and of 4 bytes, each length in its own table of (key << 32 | id) words,
     * UINT64_MAX when empty, behind a Bloom filter of their own (see tok__lookup_34). */
    uint64_t *tab34[2];
    unsigned tab34_shift[2]; /* 64 - log2(capacity) */
    uint64_t *filter34;      /* a Bloom filter of 2^TOK_FILTER34_BITS bits over both */
    /* Decode table, 16 bytes per id (+ one spare entry): byte 0 is the length when <= 15 and the
     * bytes follow inline; 0xFF sends decode to spans/arena; 0 means no token. One random access
     * per token instead of two. Rebuilt when special tokens are added. */
    uint8_t *dec16;
    uint32_t dec16_limit; /* ids the decode table covers */
    /* A one-hash Bloom filter over every mergeable token (2^21 bits, 256 KiB: stays in L2).
     * Most lookups during merging are for byte strings that are not tokens; the filter answers
     * those without touching the multi-megabyte tables. */
    uint64_t *filter;
    /* Per mergeable id, its length in bytes, 0 when above 255 (then spans tells): one byte an id
     * (200 KB for o200k) where spans take 8, so that the byte offsets of a piece's tokens read a
     * table that stays in L2. */
    uint8_t *len8;
};

/* The length of mergeable token id (below n_ranks). */
static inline uint32_t tok__len_of(const struct tok_vocab *v, uint32_t id) {
    const uint32_t l = v->len8[id];
    return l ? l : TOK_SPAN_LEN(v->spans[id]);
}

#define TOK_FILTER_BITS 21
#define TOK_FILTER34_BITS 19

static inline int tok__maybe(const tok_vocab *v, uint64_t h) {
    size_t b = (size_t)(h >> 20) & (((size_t)1 << TOK_FILTER_BITS) - 1);
    return (int)((v->filter[b >> 6] >> (b & 63)) & 1);
}

/* The hash of a short token (n <= 8) from its key; its top bits pick the short-table slot. */
static inline uint64_t tok__short_hash(uint64_t key, size_t n) {
    return (key ^ ((uint64_t)n << 59)) * 0x9E3779B97F4A7C15ull;
}

/* The bytes p[0..n), 1 <= n <= 8, as a zero-padded little-endian word, without reading past n. */
static inline uint64_t tok__short_key(const uint8_t *p, size_t n) {
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        return (uint64_t)lo | ((uint64_t)hi << (8 * (n - 4)));
    }
    return (uint64_t)p[0] | ((uint64_t)p[n >> 1] << (8 * (n >> 1))) | ((uint64_t)p[n - 1] << (8 * (n - 1)));
}

static inline size_t tok__short_slot(const tok_vocab *v, uint64_t key, size_t n) {
    return (size_t)(tok__short_hash(key, n) >> v->short_shift);
}

/* The bit of a 3- or 4-byte key in the filter of those tokens (vocab.c sets it, the lookup
 * tests it). */
static inline size_t tok__filter34_bit(uint32_t key, size_t n) {
    return (size_t)((((uint64_t)key ^ (uint64_t)n << 40) * 0xD6E8FEB86659FD93ull) >> (64 - TOK_FILTER34_BITS));
}

/* The slot of a 3- or 4-byte key in its table. */
static inline size_t tok__slot_34(const tok_vocab *v, uint32_t key, size_t n) {
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> v->tab34_shift[n - 3]);
}

/* Id of the token of n = 3 or 4 bytes whose little-endian word is `key`, or -1. Merging a long
 * piece asks mostly about strings of 2 to 4 bytes, one after the other, each waiting for the
 * answer before: two bytes have a direct table, three and four these small ones (o200k: 256 and
 * 512 KiB) behind a 64 KiB filter (most of these strings are no token), where the short table of
 * the other lengths is megabytes behind a 256 KiB filter. Without the filter the tables were
 * slower than before (a miss probes a table three times the filter's size). */
static inline int64_t tok__lookup_34(const tok_vocab *v, uint32_t key, size_t n) {
    size_t bit = tok__filter34_bit(key, n);
    if (!((v->filter34[bit >> 6] >> (bit & 63)) & 1)) return -1;
    const uint64_t *t = v->tab34[n - 3];
    size_t mask = ((size_t)1 << (64 - v->tab34_shift[n - 3])) - 1;
    for (size_t i = tok__slot_34(v, key, n);; i = (i + 1) & mask) {
        uint64_t e = t[i];
        if (e == UINT64_MAX) return -1;
        if ((uint32_t)(e >> 32) == key) return (uint32_t)e;
    }
}

/* Id of the token whose bytes, n <= 8 of them, have the tok__short_key `key`, or -1. */
static inline int64_t tok__lookup_short_key(const tok_vocab *v, uint64_t key, size_t n) {
    if (n - 3 < 2) return tok__lookup_34(v, (uint32_t)key, n);
    uint64_t h = tok__short_hash(key, n);
    if (!tok__maybe(v, h)) return -1;
    size_t mask = ((size_t)1 << (64 - v->short_shift)) - 1;
    size_t i = (size_t)(h >> v->short_shift);
    for (;;) {
        const struct tok_short_entry *e = &v->short_table[i];
        if (e->len == n && e->key == key) return e->id;
        if (e->len == 0) return -1;
        i = (i + 1) & mask;
    }
}

/* Id of the token whose bytes are p[0..n) for n <= 8, or -1. */
static inline int64_t tok__lookup_short(const tok_vocab *v, const uint8_t *p, size_t n) {
    return tok__lookup_short_key(v, tok__short_key(p, n), n);
}

/* 64-bit hash of a short byte string: word-at-a-time multiply-xorshift. */
static inline uint64_t tok__hash(const uint8_t *p, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)n * 0xFF51AFD7ED558CCDull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        for (size_t k = 0; k < n; k++) w |= (uint64_t)p[k] << (8 * k);
        h = (h ^ w) * 0x94D049BB133111EBull;
    }
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return h;
}

/* Id of the mergeable token with bytes p[0..n) whose tok__hash is h, or -1. n > 0. */
static inline int64_t tok__lookup_h(const tok_vocab *v, const uint8_t *p, size_t n, uint64_t h) {
    if (!tok__maybe(v, h)) return -1;
    uint32_t tag = (uint32_t)(h >> 32);
    size_t i = (size_t)h & v->mask;
    for (;;) {
        uint64_t e = v->table[i];
        if (e == UINT64_MAX) return -1;
        if ((uint32_t)(e >> 32) == tag) {
            uint32_t id = (uint32_t)e;
            uint64_t sp = v->spans[id];
            if (TOK_SPAN_LEN(sp) == n && memcmp(v->arena + TOK_SPAN_OFF(sp), p, n) == 0) return id;
        }
        i = (i + 1) & v->mask;
    }
}

/* Id of the mergeable token with bytes p[0..n), or -1. n > 0. */
static inline int64_t tok__lookup(const tok_vocab *v, const uint8_t *p, size_t n) {
    if (n <= 8) return tok__lookup_short(v, p, n);
    if (n > v->max_len) return -1;
    return tok__lookup_h(v, p, n, tok__hash(p, n));
}

/* c · log2(c) (c >= 2), tabulated for small c (ngram.c). */
double tok__clog2c(uint64_t c);

/* An exact sum of c · log2(c) terms, as a fixed-point number (an integer part and 64 bits of
 * fraction), so that it does not depend on the order of its terms (tables filled in different
 * orders by threads and merges give the same digits). Each term is at least 2 (c >= 2), so its
 * fraction has no bits below 2^-51 and fits the 64 bits exactly; the integer parts add up to at
 * most total · log2(total), below 2^64 for any total below 2^57. */
typedef struct { uint64_t whole, frac; } tok__fsum;

static inline void tok__fsum_add_clog2c(tok__fsum *s, uint64_t c) {
    if (c < 2) return;
    double t = tok__clog2c(c);
    uint64_t w = (uint64_t)t, f = (uint64_t)((t - (double)w) * 0x1p64);
    s->whole += w;
    s->frac += f;
    s->whole += s->frac < f; /* the carry */
}

static inline double tok__fsum_value(tok__fsum s) { return (double)s.whole + (double)s.frac * 0x1p-64; }

/* The terms tok__fsum_add_clog2c adds, c < TOK_CLOG2C_FIXED (0 for c < 2), as a table (ngram.c,
 * built once). Adding a table's term gives the same sum as tok__fsum_add_clog2c. */
enum { TOK_CLOG2C_FIXED = 4096 };
const tok__fsum *tok__clog2c_fixed(void);

/* s += c · log2(c) (0 for c < 2) through the table t of tok__clog2c_fixed. */
static inline void tok__fsum_add_fixed(tok__fsum *s, const tok__fsum *t, uint64_t c) {
    if (__builtin_expect(c >= TOK_CLOG2C_FIXED, 0)) { tok__fsum_add_clog2c(s, c); return; }
    s->whole += t[c].whole;
    s->frac += t[c].frac;
    s->whole += s->frac < t[c].frac;
}

/* The byte-string map of tok_merge.h (merge.c), shared with the loaders (loader.c). */
#include "tok_merge.h"
typedef struct {
    uint64_t hash;    /* 0 marks an empty slot (real hashes have bit 63 set) */
    union {
        uint64_t off;     /* key bytes in the arena (len > 8) */
        uint8_t bytes[8]; /* the key itself (len <= 8): a hit needs no second memory access */
    } key;
    uint32_t len;
    uint32_t value;
} strmap_slot;

struct tok_strmap {
    strmap_slot *slots;
    size_t mask, count;
    uint8_t *arena;
    size_t arena_len, arena_cap;
};

/* FNV-1a over a then b, finished with a multiply-xorshift, bit 63 forced on. */
static inline uint64_t tok__strmap_hash2(const uint8_t *a, size_t na, const uint8_t *b, size_t nb) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < na; i++) h = (h ^ a[i]) * 0x100000001b3ull;
    for (size_t i = 0; i < nb; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    h ^= h >> 31;
    h *= 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return h | (1ull << 63);
}

/* The key bytes of a slot (inside the slot for short keys: valid until the map changes). */
static inline const uint8_t *tok__strmap_key(const tok_strmap *m, const strmap_slot *e) {
    return e->len <= 8 ? e->key.bytes : m->arena + e->key.off;
}

/* Grows a merge table so that n more pairs fit up to 3/4 full (merge.c). 0 or TOK_E_NOMEM. */
int tok__merges_reserve(tok_merges *m, size_t n);
/* Prefetches the slot of pair (a, b). */
void tok__merges_prefetch(const tok_merges *m, uint32_t a, uint32_t b);


/* tok_strmap_put with the key's hash (tok__strmap_hash2) already known (n < 2^32). */
int tok__strmap_put_h(tok_strmap *m, const uint8_t *key, size_t n, uint32_t value, uint64_t h);
/* Prefetches the slot where a key of hash h starts its probe. */
void tok__strmap_prefetch(const tok_strmap *m, uint64_t h);
/* Grows the map so that `extra` more keys fit without growing (then prefetches stay valid). */
int tok__strmap_reserve(tok_strmap *m, size_t extra);

/* Grows the byte buffer *p (capacity *cap) so that len + extra bytes fit, doubling from `first`
 * bytes. Returns 0, or TOK_E_NOMEM with the buffer unchanged. */
static inline int tok__reserve_bytes(uint8_t **p, size_t *cap, size_t len, size_t extra, size_t first) {
    if (len + extra <= *cap) return 0;
    size_t n = *cap ? *cap : first;
    while (n < len + extra) n *= 2;
    uint8_t *q = realloc(*p, n);
    if (!q) return TOK_E_NOMEM;
    *p = q;
    *cap = n;
    return 0;
}

#endif

/*
 * bpe.c — BPE by rank, and the encode loop (scanner + merge).
 *
 * Performance notes.
 *  - Pieces of real text repeat (Zipf): a two-level cache of every piece up to 16 bytes
 *    (whole token or not) answers about 97% of English pieces without touching the vocabulary.
 *    Its slots are prefetched a batch of pieces ahead of use, so their latency overlaps the
 *    scanning; measured on English prose this took o200k from 107 to about 160 MB/s.
 *  - Other pieces are often whole tokens: one hash lookup and done.
 *  - Pieces up to SMALL bytes keep every adjacent pair's key (rank << 6 | position) in a small
 *    array: the next merge is its minimum (lowest rank, leftmost on ties), found by a vectorized
 *    scan; a merge recomputes its two neighbours' keys and shifts nothing (bpe_small). Quadratic
 *    in the worst case, but on stack arrays of at most SMALL entries it beats anything with more
 *    bookkeeping. tiktoken's own loop (bpe_quadratic) stays as the reference the tests use.
 *  - Longer pieces (a megabyte of one letter, long whitespace runs, base64 blobs) use a
 *    tournament tree over positions holding each current pair's (rank, position): its root is
 *    the next merge, the same order as the quadratic loop's (global minimum rank, then leftmost),
 *    so the ids are identical, and the worst case is O(n log n). A binary heap with lazy deletion
 *    was tried first: 3-4 MB/s on a megabyte of 'a' (its pops and pushes miss cache); the tree's
 *    updates stop where a minimum does not change and touch the same paths as merges move
 *    left to right.
 *  - A concatenation longer than the longest token cannot be a token: no hash lookup for it.
 */
#include "tok_bpe.h"
#include "tok_internal.h"
#include "pretok_scan.h"

#include <stdlib.h>

#define SMALL 64
#define NONE UINT32_MAX

/* The piece cache: pieces that are not whole tokens, with the ids BPE gave them. Direct-mapped
 * by the piece's hash; a slot keeps up to CACHE_BYTES bytes and CACHE_IDS ids. */
#define CACHE_SLOTS 8192
#define CACHE_BYTES 30
#define CACHE_IDS 8

typedef struct {
    uint64_t hash;
    uint8_t len, n_ids;
    uint8_t bytes[CACHE_BYTES];
    uint32_t ids[CACHE_IDS];
} cache_slot;

/* The front cache: every piece of at most 16 bytes seen lately, whole token or not, with its
 * ids when there are at most 3, keyed by the piece's bytes themselves (a hit compares two words,
 * no bytes in memory). Two direct-mapped levels of 32-byte slots: 2^16 (2 MiB), backed by
 * 2^18 (8 MiB) that keeps what the first evicts (used from the first level's BACK_AFTER-th
 * piece on, see front_back); both are prefetched by the encode loop, so their size costs little
 * latency. Measured on English prose (o200k): one level of 2^15 slots without prefetching gave
 * 110-128 MB/s, these two levels with prefetching about 165; larger tables gained under 5% more.
 * Allocated on first use, per scratch area (per thread). */
#define FRONT_BITS 16
#define BACK_BITS 18
#define FRONT_IDS 3
typedef struct {
    uint64_t k0, k1; /* the piece's bytes, zero-padded */
    uint8_t len, n_ids;
    uint16_t unused;
    uint32_t ids[FRONT_IDS];
} front_slot;
#define FRONT_TABLE_BYTES ((((size_t)1 << FRONT_BITS) + ((size_t)1 << BACK_BITS)) * sizeof(front_slot))

/* The pair memo: (left id, right id) -> rank of their concatenation (NONE: not a token), for
 * concatenations longer than 8 bytes (see pair_rank_ids).
 * Exact (ids determine the bytes); direct-mapped, in L2. Merges ask about the same pairs again
 * and again (a run of one letter; common subwords across words). */
#define MEMO_BITS 14
typedef struct { uint32_t left, right, rank; } memo_entry;

/* The pair memo of long pieces: (left id, right id) -> is [left, right] BPE's own encoding of
 * their concatenated bytes. Exact; direct-mapped. */
#define PAIR_BITS 14
typedef struct { uint32_t left, right, valid; } pair_entry;

struct tok_scratch {
    memo_entry memo[1 << MEMO_BITS];
    front_slot *front; /* 1 << FRONT_BITS slots, then 1 << BACK_BITS, allocated on first use */
    size_t front_fills; /* pieces put in the first level while the second is not used yet */
    int back_on;        /* the second level is used (see front_back) */
    /* tree merge: per byte position */
    uint32_t *id, *len, *next, *prev;
    uint64_t *tree; /* the tournament tree */
    size_t cap, tree_cap;
    cache_slot *cache; /* CACHE_SLOTS, allocated on first use */
    pair_entry *pairs; /* 1 << PAIR_BITS entries, allocated on first use */
};

tok_scratch *tok_scratch_new(void) {
    tok_scratch *sc = calloc(1, sizeof(tok_scratch));
    if (sc) for (size_t i = 0; i < ((size_t)1 << MEMO_BITS); i++) sc->memo[i].left = NONE;
    return sc;
}

/* Rank of the token whose bytes are p[0..n) (n >= 2), or NONE: byte pairs from their table, the
 * rest by lookup. */
static inline __attribute__((always_inline)) uint32_t pair_rank(const tok_vocab *v, const uint8_t *p, size_t n) {
    if (n == 2) return v->pair_rank[(size_t)p[0] << 8 | p[1]];
    int64_t r = tok__lookup(v, p, n);
    return r < 0 ? NONE : (uint32_t)r;
}

/* Rank of the concatenation of tokens l and r (whose bytes are p[0..n)), through the memo when
 * it is longer than 8 bytes. Up to 8 bytes the short table answers directly, keyed by the bytes
 * in one word behind the Bloom filter: about what a memo probe costs, and the memo misses on
 * text whose pairs do not repeat (a megabyte of random letters has about 268,000 distinct pairs
 * among its 519,000 o200k tokens). Measured there: o200k +13-20%, cl100k +15-25%; English,
 * code and UDHR unchanged. */
static inline __attribute__((always_inline)) uint32_t pair_rank_ids(const tok_vocab *v, tok_scratch *sc,
                                                                    uint32_t l, uint32_t r,
                                                                    const uint8_t *p, size_t n) {
    if (n <= 8) return pair_rank(v, p, n);
    uint64_t h = ((uint64_t)l << 32 | r) * 0x9E3779B97F4A7C15ull;
    memo_entry *e = &sc->memo[h >> (64 - MEMO_BITS)];
    if (e->left == l && e->right == r) return e->rank;
    int64_t rank = tok__lookup(v, p, n);
    e->left = l;
    e->right = r;
    e->rank = rank < 0 ? NONE : (uint32_t)rank;
    return e->rank;
}

void tok_scratch_free(tok_scratch *sc) {
    if (!sc) return;
    free(sc->id); free(sc->len); free(sc->next); free(sc->prev); free(sc->tree);
    free(sc->cache);
    tok__table_free(sc->front, FRONT_TABLE_BYTES);
    free(sc->pairs);
    free(sc);
}

static int scratch_reserve(tok_scratch *sc, size_t n) {
    if (n <= sc->cap) return 0;
    size_t cap = sc->cap ? sc->cap : 256;
    while (cap < n) cap *= 2;
    uint32_t **arrs[4] = {&sc->id, &sc->len, &sc->next, &sc->prev};
    for (int k = 0; k < 4; k++) {
        uint32_t *p = realloc(*arrs[k], cap * sizeof(uint32_t));
        if (!p) return TOK_E_NOMEM;
        *arrs[k] = p;
    }
    sc->cap = cap;
    return 0;
}

/* tiktoken's loop on stack arrays, n <= SMALL: the plain reference for bpe_small (see
 * tok_bpe_piece_reference), and bpe_small's fallback for vocabularies of 2^25 tokens or more. */
static size_t bpe_quadratic(const tok_vocab *v, const uint8_t *s, size_t n, uint32_t *out, tok_scratch *sc) {
    uint32_t start[SMALL + 1], rank[SMALL], id[SMALL];
    size_t m = n;
    for (size_t i = 0; i < n; i++) {
        start[i] = (uint32_t)i;
        id[i] = v->byte_id[s[i]];
    }
    start[n] = (uint32_t)n;
    for (size_t i = 0; i + 1 < m; i++) rank[i] = pair_rank(v, s + i, 2);
    while (m > 1) {
        uint32_t best = NONE;
        size_t k = 0;
        for (size_t i = 0; i + 1 < m; i++)
            if (rank[i] < best) { best = rank[i]; k = i; }
        if (best == NONE) break;
        id[k] = best;
        for (size_t i = k + 1; i < m; i++) start[i] = start[i + 1];
        for (size_t i = k + 1; i + 1 < m; i++) { id[i] = id[i + 1]; rank[i] = rank[i + 1]; }
        m--;
        if (sc) {
            rank[k] = k + 1 < m ? pair_rank_ids(v, sc, id[k], id[k + 1], s + start[k], start[k + 2] - start[k]) : NONE;
            if (k > 0) rank[k - 1] = pair_rank_ids(v, sc, id[k - 1], id[k], s + start[k - 1], start[k + 1] - start[k - 1]);
        } else {
            rank[k] = k + 1 < m ? pair_rank(v, s + start[k], start[k + 2] - start[k]) : NONE;
            if (k > 0) rank[k - 1] = pair_rank(v, s + start[k - 1], start[k + 1] - start[k - 1]);
        }
    }
    for (size_t i = 0; i < m; i++) out[i] = id[i];
    return m;
}

/* Pieces of up to SMALL bytes. Parts are named by their first byte (next/prev link them); each
 * part's pair with its right neighbour has the key rank << 6 | position, so the smallest key is
 * the pair to merge next: the lowest rank, leftmost on ties (tiktoken's order). Finding it is a
 * minimum over a small fixed array that the compiler vectorizes, with nothing shifted after a
 * merge, where tiktoken's loop scans with a branch per pair and shifts three arrays (this file's
 * bpe_quadratic, kept as the reference). Ranks must stay below 2^(31 - KEY_POS_BITS). */
#define KEY_NONE INT32_MAX
#define KEY_POS_BITS 6
_Static_assert(SMALL <= (1 << KEY_POS_BITS), "a key's position bits must name every byte of a small piece");

/* The key of the pair starting at part a whose rank is r (NONE: no merge). */
static inline int32_t pair_key(uint32_t r, size_t a) {
    return r == NONE ? KEY_NONE : (int32_t)(r << KEY_POS_BITS | a);
}

static size_t bpe_small(const tok_vocab *v, const uint8_t *s, size_t n, uint32_t *out, tok_scratch *sc) {
    if (v->n_ranks >= ((uint32_t)1 << (31 - KEY_POS_BITS))) return bpe_quadratic(v, s, n, out, sc);
    int32_t key[SMALL] __attribute__((aligned(32)));
    uint32_t id[SMALL];
    uint8_t next[SMALL], prev[SMALL];
    size_t w = (n - 1 + 7) & ~(size_t)7; /* keys scanned: the n - 1 pairs, padded */
    for (size_t i = 0; i < n; i++) {
        id[i] = v->byte_id[s[i]];
        next[i] = (uint8_t)(i + 1);
        prev[i] = (uint8_t)(i - 1);
    }
    for (size_t i = 0; i + 1 < n; i++) {
        key[i] = pair_key(v->pair_rank[(size_t)s[i] << 8 | s[i + 1]], i);
    }
    for (size_t i = n - 1; i < w; i++) key[i] = KEY_NONE;
    for (;;) {
        int32_t best = KEY_NONE;
        for (size_t i = 0; i < w; i++) best = key[i] < best ? key[i] : best;
        if (best == KEY_NONE) break;
        size_t a = (size_t)best & ((1u << KEY_POS_BITS) - 1), b = next[a], c = b < n ? next[b] : n;
        uint32_t r = (uint32_t)best >> KEY_POS_BITS;
        id[a] = r;
        next[a] = (uint8_t)c;
        if (c < n) prev[c] = (uint8_t)a;
        key[b] = KEY_NONE;
        key[a] = c == n ? KEY_NONE
                        : pair_key(sc ? pair_rank_ids(v, sc, r, id[c], s + a, next[c] - a)
                                      : pair_rank(v, s + a, next[c] - a), a);
        if (a > 0) {
            size_t p = prev[a];
            key[p] = pair_key(sc ? pair_rank_ids(v, sc, id[p], r, s + p, c - p) : pair_rank(v, s + p, c - p), p);
        }
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i = next[i]) out[m++] = id[i];
    return m;
}

/* Sets leaf i of the tournament tree t (leaves at size..2*size-1) and repairs the minima above
 * it, stopping as soon as a parent's minimum is unchanged. */
static inline void tree_set(uint64_t *t, size_t size, size_t i, uint64_t key) {
    size_t k = size + i;
    t[k] = key;
    while (k > 1) {
        uint64_t a = t[k], b = t[k ^ 1];
        uint64_t m = a < b ? a : b;
        k >>= 1;
        if (t[k] == m) break;
        t[k] = m;
    }
}

/* Merge of a long piece: parts are a linked list named by their starting byte; a tournament
 * tree over positions holds (rank << 32 | position) of every current adjacent pair, so its root
 * is always the pair to merge next: the lowest rank, leftmost on ties (tiktoken's order). */
static ptrdiff_t bpe_tree(const tok_vocab *v, const uint8_t *s, size_t n, uint32_t *out,
                          tok_scratch *sc) {
    size_t size = 1;
    while (size < n) size <<= 1;
    int rc = scratch_reserve(sc, n);
    if (rc) return rc;
    if (sc->tree_cap < 2 * size) {
        uint64_t *h = realloc(sc->tree, 2 * size * sizeof(uint64_t));
        if (!h) return TOK_E_NOMEM;
        sc->tree = h;
        sc->tree_cap = 2 * size;
    }
    uint32_t *id = sc->id, *len = sc->len, *next = sc->next, *prev = sc->prev;
    uint64_t *t = sc->tree;
    for (size_t i = 0; i < n; i++) {
        id[i] = v->byte_id[s[i]];
        len[i] = 1;
        next[i] = i + 1 < n ? (uint32_t)(i + 1) : NONE;
        prev[i] = i > 0 ? (uint32_t)(i - 1) : NONE;
    }
    for (size_t i = 0; i < size; i++) {
        uint32_t r = i + 1 < n ? pair_rank(v, s + i, 2) : NONE;
        t[size + i] = r == NONE ? UINT64_MAX : ((uint64_t)r << 32) | i;
    }
    for (size_t k = size - 1; k >= 1; k--) t[k] = t[2 * k] < t[2 * k + 1] ? t[2 * k] : t[2 * k + 1];
    while (t[1] != UINT64_MAX) {
        uint32_t r = (uint32_t)(t[1] >> 32), a = (uint32_t)t[1];
        uint32_t b = next[a];
        id[a] = r;
        len[a] += len[b];
        len[b] = 0;
        next[a] = next[b];
        if (next[b] != NONE) prev[next[b]] = a;
        tree_set(t, size, b, UINT64_MAX);
        uint32_t c = next[a];
        uint32_t ra = c != NONE ? pair_rank_ids(v, sc, id[a], id[c], s + a, len[a] + len[c]) : NONE;
        tree_set(t, size, a, ra == NONE ? UINT64_MAX : ((uint64_t)ra << 32) | a);
        uint32_t p = prev[a];
        if (p != NONE) {
            uint32_t rp = pair_rank_ids(v, sc, id[p], id[a], s + p, len[p] + len[a]);
            tree_set(t, size, p, rp == NONE ? UINT64_MAX : ((uint64_t)rp << 32) | p);
        }
    }
    size_t m = 0;
    for (uint32_t i = 0; i != NONE; i = next[i]) out[m++] = id[i];
    return (ptrdiff_t)m;
}

static ptrdiff_t bpe_stitch(const tok_vocab *v, const uint8_t *s, size_t n, uint32_t *out, tok_scratch *sc);
#define STITCH_MIN 256

/* Prefetches what the lookup of the token s[0..len) (3 <= len <= 8, `key` its tok__short_key)
 * will read when the filter lets it through, else the filter's word again (no branch). */
static inline __attribute__((always_inline)) void prefetch_token(const tok_vocab *v, size_t len, uint64_t key) {
    const uint64_t *f;
    const void *slot;
    size_t bit;
    if (len <= 4) {
        bit = tok__filter34_bit((uint32_t)key, len);
        f = &v->filter34[bit >> 6];
        slot = &v->tab34[len - 3][tok__slot_34(v, (uint32_t)key, len)];
    } else {
        const uint64_t h = tok__short_hash(key, len);
        bit = (size_t)(h >> 20) & (((size_t)1 << TOK_FILTER_BITS) - 1);
        f = &v->filter[bit >> 6];
        slot = &v->short_table[h >> v->short_shift];
    }
    __builtin_prefetch((*f >> (bit & 63)) & 1 ? slot : (const void *)f);
}

/* Prefetches the lookups of every substring of 3 to 8 bytes of s[0..n) (n <= PREFETCH_MAX): the
 * lookups merging a piece makes are among them, and each waits for the merge before it, so a
 * piece the front cache has not seen spent most of its time waiting on tables that other work
 * keeps out of the core's cache; this way they are fetched together, before the merging. Measured
 * single passes in fresh processes (C harness, alternating runs, medians of 10): o200k English
 * +5% to +19%, UDHR +8% to +11%; cl100k English and code +6%; the random-letter file unchanged
 * (its chunks are longer than this). Substrings up to 16 bytes, or pieces up to 30, gained no more. */
#define PREFETCH_MAX 16
static inline void prefetch_parts(const tok_vocab *v, const uint8_t *s, size_t n) {
    for (size_t len = 3; len <= n && len <= 8; len++)
        for (size_t i = 0; i + len <= n; i++) prefetch_token(v, len, tok__short_key(s + i, len));
}

/* Merges a piece that is not a whole token (n >= 2), through the cache when it fits there. */
static ptrdiff_t bpe_merge(const tok_vocab *v, const uint8_t *s, size_t n, uint64_t h, uint32_t *out,
                           tok_scratch *sc) {
    if (n > CACHE_BYTES || !sc) {
        if (n <= SMALL) return (ptrdiff_t)bpe_small(v, s, n, out, sc);
        if (!sc) return TOK_E_NOMEM;
        return n >= STITCH_MIN ? bpe_stitch(v, s, n, out, sc) : bpe_tree(v, s, n, out, sc);
    }
    if (!sc->cache) {
        sc->cache = calloc(CACHE_SLOTS, sizeof(cache_slot));
        if (!sc->cache) return (ptrdiff_t)bpe_small(v, s, n, out, sc);
    }
    cache_slot *slot = &sc->cache[(h >> 20) & (CACHE_SLOTS - 1)];
    if (slot->hash == h && slot->len == n && memcmp(slot->bytes, s, n) == 0) {
        memcpy(out, slot->ids, slot->n_ids * sizeof(uint32_t));
        return slot->n_ids;
    }
    if (n <= PREFETCH_MAX) prefetch_parts(v, s, n);
    size_t m = bpe_small(v, s, n, out, sc);
    if (m <= CACHE_IDS) {
        slot->hash = h;
        slot->len = (uint8_t)n;
        slot->n_ids = (uint8_t)m;
        memcpy(slot->bytes, s, n);
        memcpy(slot->ids, out, m * sizeof(uint32_t));
    }
    return (ptrdiff_t)m;
}

/* Ids of any piece of n >= 2 bytes by BPE alone (the cache for short ones, else the quadratic
 * loop or the tree). */
static ptrdiff_t bpe_plain(const tok_vocab *v, const uint8_t *s, size_t n, uint32_t *out, tok_scratch *sc) {
    if (n == 1) { out[0] = v->byte_id[s[0]]; return 1; }
    if (n <= CACHE_BYTES) return bpe_merge(v, s, n, tok__hash(s, n), out, sc);
    if (n <= SMALL) return (ptrdiff_t)bpe_small(v, s, n, out, sc);
    return bpe_tree(v, s, n, out, sc);
}

static int pairs_ready(tok_scratch *sc) {
    if (sc->pairs) return 1;
    sc->pairs = malloc(((size_t)1 << PAIR_BITS) * sizeof(pair_entry));
    if (!sc->pairs) return 0;
    for (size_t i = 0; i < ((size_t)1 << PAIR_BITS); i++) sc->pairs[i].left = NONE;
    return 1;
}

/* Is [a, b] what BPE makes of a's bytes followed by b's? 1 yes, 0 no, < 0 an error.
 * Mergeable ids only; sc->pairs allocated. */
static int pair_valid(const tok_vocab *v, tok_scratch *sc, uint32_t a, uint32_t b) {
    uint64_t h = ((uint64_t)a << 32 | b) * 0x9E3779B97F4A7C15ull;
    pair_entry *e = &sc->pairs[h >> (64 - PAIR_BITS)];
    if (e->left == a && e->right == b) return (int)e->valid;
    uint64_t sa = v->spans[a], sb = v->spans[b];
    size_t la = TOK_SPAN_LEN(sa), lb = TOK_SPAN_LEN(sb), n = la + lb;
    uint8_t sbuf[512];
    uint32_t sids[512];
    uint8_t *buf = n <= 512 ? sbuf : malloc(n);
    uint32_t *ids = n <= 512 ? sids : malloc(n * sizeof(uint32_t));
    ptrdiff_t m = TOK_E_NOMEM;
    if (buf && ids) {
        memcpy(buf, v->arena + TOK_SPAN_OFF(sa), la);
        memcpy(buf + la, v->arena + TOK_SPAN_OFF(sb), lb);
        m = bpe_plain(v, buf, n, ids, sc);
    }
    int valid = m == 2 && ids[0] == a && ids[1] == b;
    if (buf != sbuf) free(buf);
    if (ids != sids) free(ids);
    if (m < 0) return (int)m;
    e->left = a;
    e->right = b;
    e->valid = (uint32_t)valid;
    return valid;
}

int tok_bpe_pair_valid(const tok_vocab *v, uint32_t a, uint32_t b, tok_scratch *sc) {
    if (a >= v->n_ranks || b >= v->n_ranks || !sc) return TOK_E_ARGUMENT;
    if (!pairs_ready(sc)) return TOK_E_NOMEM;
    return pair_valid(v, sc, a, b);
}

/* The last chunk or window the stitch encoded, so that a run of repeated content (a megabyte
 * of one letter, of spaces) takes its ids again instead of merging again. */
#define REUSE_IDS 1024
typedef struct {
    size_t pos, len, m;
    uint32_t ids[REUSE_IDS];
} reuse_memo;

/* Encodes s[pos..pos+len) into out, through the memo. */
static ptrdiff_t encode_reusing(const tok_vocab *v, const uint8_t *s, size_t pos, size_t len, uint32_t *out,
                                tok_scratch *sc, reuse_memo *r) {
    if (len == r->len && memcmp(s + pos, s + r->pos, len) == 0) {
        memcpy(out, r->ids, r->m * sizeof(uint32_t));
        return (ptrdiff_t)r->m;
    }
    ptrdiff_t m = bpe_plain(v, s + pos, len, out, sc);
    if (m > 0 && (size_t)m <= REUSE_IDS) {
        memcpy(r->ids, out, (size_t)m * sizeof(uint32_t));
        r->pos = pos;
        r->len = len;
        r->m = (size_t)m;
    }
    return m;
}

/* A long piece, stitched from short ones. BPE's result on a piece is the one sequence of tokens
 * spelling it in which every two neighbours are BPE's own encoding of their concatenation
 * (the pairwise property of BPE vocabularies; see ByteLevelModel.isValidPair). So: encode the
 * piece a chunk at a time (a chunk's tokens are BPE's, so valid among themselves), and where
 * the last token so far and a chunk's first token are not a valid pair, re-encode a window
 * around the boundary: from further back (1, 2, 4... tokens) to the end of the chunk's token that
 * reaches STITCH_REACH bytes past the boundary, until the window's first token is valid after
 * the token before it and its last token valid before the chunk's next one. Where the right end
 * fails, the window runs through the chunk's end instead (no right edge to check; runs of one
 * byte repeat that window, so it is taken again from the memo). Every boundary is checked, never
 * assumed, so the result is BPE's exactly (the tests compare it with the tree merge on random
 * pieces over small alphabets, where ties are commonest). The window used to run through the
 * chunk's end from the start: on random letters most boundaries fail, so a third of the piece
 * was merged twice (tok-bench, o200k: 20.6 -> 27.0 MB/s with the short window).
 * Chunks start at 24 bytes, which the piece cache holds, and become 512 bytes as soon as a
 * window has to grow past one token (runs of spaces, whose tokens are up to 128 bytes); a chunk
 * or a window equal to the one before (runs of one byte) takes its ids without merging. Small
 * chunks keep the merging in L1, where one tree over a megabyte misses cache at every step: on
 * o200k's adversarial files this is 2.5x (random letters) to 13x (one repeated letter) the
 * tree's speed. Should re-encoding ever exceed 8 times the piece, the tree does the whole piece
 * instead. */
#define STITCH_FIRST 24
#define STITCH_LAST 512
#define STITCH_REACH 16
static ptrdiff_t bpe_stitch(const tok_vocab *v, const uint8_t *s, size_t n, uint32_t *out, tok_scratch *sc) {
    if (!pairs_ready(sc)) return bpe_tree(v, s, n, out, sc);
    size_t k = 0, pos = 0, chunk = STITCH_FIRST, redone = 0;
    /* the last chunk, the last window through a chunk's end, and the last short window */
    reuse_memo chunks = {0}, windows = {0}, locals = {0};
    uint32_t tail[STITCH_LAST + STITCH_LAST / 2]; /* the chunk's ids while a window is redone */
    while (pos < n) {
        size_t c = n - pos <= chunk + chunk / 2 ? n - pos : chunk;
        ptrdiff_t m = encode_reusing(v, s, pos, c, out + k, sc, &chunks);
        if (m < 0) return m;
        int ok = k == 0 ? 1 : pair_valid(v, sc, out[k - 1], out[k]);
        if (ok < 0) return ok;
        if (ok) {
            k += (size_t)m;
            pos += c;
            continue;
        }
        memcpy(tail, out + k, (size_t)m * sizeof(uint32_t));
        size_t base = k, wb = pos, w = 1, reach = STITCH_REACH, j = 0, we = pos;
        int l = 0, r = 0;
        ptrdiff_t mw;
        for (;;) {
            if (!l) {
                size_t take = w < base ? w : base;
                for (size_t t = base - take; t < base; t++) wb -= tok__len_of(v, out[t]);
                base -= take;
            }
            if (!r)
                while (j < (size_t)m && we - pos < reach) we += tok__len_of(v, tail[j++]);
            redone += we - wb;
            if (redone > 8 * n) return bpe_tree(v, s, n, out, sc);
            mw = encode_reusing(v, s, wb, we - wb, out + base, sc, j == (size_t)m ? &windows : &locals);
            if (mw < 0) return mw;
            l = base == 0 ? 1 : pair_valid(v, sc, out[base - 1], out[base]);
            if (l < 0) return l;
            r = j == (size_t)m ? 1 : pair_valid(v, sc, out[base + (size_t)mw - 1], tail[j]);
            if (r < 0) return r;
            if (l && r) break;
            if (!l) { w *= 2; chunk = STITCH_LAST; }
            if (!r) reach = SIZE_MAX; /* the window through the chunk's end, as runs repeat it */
        }
        memcpy(out + base + (size_t)mw, tail + j, ((size_t)m - j) * sizeof(uint32_t));
        k = base + (size_t)mw + ((size_t)m - j);
        pos += c;
    }
    return (ptrdiff_t)k;
}

/* Ids of a piece of 2..16 bytes without the front cache: a whole token, or merged. */
static inline ptrdiff_t piece_uncached(const tok_vocab *v, const uint8_t *s, size_t n, uint64_t key,
                                       uint32_t *out, tok_scratch *sc) {
    int64_t whole;
    if (n <= 8) {
        whole = tok__lookup_short_key(v, key, n);
        if (whole >= 0) { out[0] = (uint32_t)whole; return 1; }
        return bpe_merge(v, s, n, tok__short_hash(key, n) + n, out, sc);
    }
    uint64_t h = tok__hash(s, n);
    if (n <= v->max_len) {
        whole = tok__lookup_h(v, s, n, h);
        if (whole >= 0) { out[0] = (uint32_t)whole; return 1; }
    }
    return bpe_merge(v, s, n, h, out, sc);
}

ptrdiff_t tok_bpe_piece_reference(const tok_vocab *v, const uint8_t *s, size_t n, uint32_t *out,
                                  tok_scratch *sc) {
    if (n == 0) return 0;
    if (n == 1) { out[0] = v->byte_id[s[0]]; return 1; }
    if (n <= SMALL) return (ptrdiff_t)bpe_quadratic(v, s, n, out, NULL);
    return sc ? bpe_tree(v, s, n, out, sc) : TOK_E_NOMEM;
}

/* The front cache's key for a piece of 2..16 bytes: its bytes, zero-padded, in two words. */
static inline __attribute__((always_inline)) uint64_t front_key(const uint8_t *s, size_t n, uint64_t *k1) {
    if (n <= 8) { *k1 = 0; return tok__short_key(s, n); }
    uint64_t k0, t;
    memcpy(&k0, s, 8);
    memcpy(&t, s + n - 8, 8);
    *k1 = t >> (8 * (16 - n)); /* bytes 8..n, without reading past n */
    return k0;
}

static inline __attribute__((always_inline)) uint64_t front_hash(uint64_t k0, uint64_t k1, size_t n) {
    return (k0 ^ ((uint64_t)n << 59)) * 0x9E3779B97F4A7C15ull ^ k1 * 0xC2B2AE3D27D4EB4Full;
}

static inline __attribute__((always_inline)) front_slot *front_first(tok_scratch *sc, uint64_t h) {
    return &sc->front[h >> (64 - FRONT_BITS)];
}

/* The second-level slot of hash h. The second level is used once the first has taken
 * BACK_AFTER pieces: before that its 8 MiB stay untouched, so a short input in a fresh process
 * takes no page fault for them (the second level's slots are hit at random, so a few hundred
 * kilobytes of text touched most of its 2,048 pages: about 5 ms, more than encoding 200 KB of
 * digits). Measured single passes in fresh processes, o200k: a 0.2 MB file of digits 33 -> 60
 * MB/s, 16 MB of English and 4 MB of code unchanged (110 and 93). Waiting for the first level's
 * 65,536 slots instead cost English's first pass about 10%. */
#define BACK_AFTER ((size_t)1 << 13)
static inline __attribute__((always_inline)) front_slot *front_back(tok_scratch *sc, uint64_t h) {
    return &sc->front[((size_t)1 << FRONT_BITS) + (size_t)((h << FRONT_BITS) >> (64 - BACK_BITS))];
}

static inline ptrdiff_t front_emit(const front_slot *f, uint32_t *out) {
    out[0] = f->ids[0];
    if (f->n_ids > 1) {
        out[1] = f->ids[1];
        if (f->n_ids > 2) out[2] = f->ids[2];
    }
    return f->n_ids;
}

/* Ids of a piece of 2..16 bytes through the two cache levels (sc->front allocated). */
static inline __attribute__((always_inline)) ptrdiff_t piece_cached(const tok_vocab *v, const uint8_t *s,
                                                                    size_t n, uint64_t k0, uint64_t k1,
                                                                    uint64_t h, uint32_t *out, tok_scratch *sc) {
    front_slot *f = front_first(sc, h);
    if (f->len == n && f->k0 == k0 && f->k1 == k1) return front_emit(f, out);
    front_slot *b = sc->back_on ? front_back(sc, h) : NULL;
    if (b && b->len == n && b->k0 == k0 && b->k1 == k1) {
        *f = *b;
        return front_emit(f, out);
    }
    ptrdiff_t m = piece_uncached(v, s, n, k0, out, sc);
    if (m > 0 && m <= FRONT_IDS) {
        f->k0 = k0;
        f->k1 = k1;
        f->len = (uint8_t)n;
        f->n_ids = (uint8_t)m;
        for (ptrdiff_t t = 0; t < m; t++) f->ids[t] = out[t];
        if (b) *b = *f;
        else if (++sc->front_fills >= BACK_AFTER) sc->back_on = 1;
    }
    return m;
}

static inline int front_ready(tok_scratch *sc) {
    if (!sc) return 0;
    if (!sc->front) sc->front = tok__table_alloc(FRONT_TABLE_BYTES);
    return sc->front != NULL;
}

ptrdiff_t tok_bpe_piece(const tok_vocab *v, const uint8_t *s, size_t n, uint32_t *out,
                        tok_scratch *sc) {
    if (n == 0) return 0;
    if (n == 1) { out[0] = v->byte_id[s[0]]; return 1; }
    if (n <= 16) {
        uint64_t k1, k0 = front_key(s, n, &k1);
        if (!front_ready(sc)) return piece_uncached(v, s, n, k0, out, sc);
        return piece_cached(v, s, n, k0, k1, front_hash(k0, k1, n), out, sc);
    }
    uint64_t h = tok__hash(s, n);
    if (n <= v->max_len) {
        int64_t whole = tok__lookup_h(v, s, n, h);
        if (whole >= 0) { out[0] = (uint32_t)whole; return 1; }
    }
    return bpe_merge(v, s, n, h, out, sc);
}

/* The encode loop for one pattern; `pattern` is a constant at each call site below, so the
 * scanner is inlined and specialized (no call, no switch per piece). It scans a batch of
 * pieces ahead and prefetches their front-cache slots, then looks them up: the lookups' memory
 * latency overlaps the scanning instead of following it. */
#define BATCH 16
static inline __attribute__((always_inline)) ptrdiff_t encode_loop(
    int pattern, const tok_vocab *v, const uint8_t *s, size_t len, size_t *pos, uint32_t *ids,
    uint32_t *starts, uint64_t *sbits, size_t sbit0, size_t cap, size_t *need, tok_scratch *sc) {
    size_t i = *pos, k = 0;
    int cached = front_ready(sc);
    blk_rules rules = {0, 0, 0, 0};
#if defined(__SSE2__)
    const int block = blk_pattern(pattern, &rules);
#else /* the masks a byte at a time cost more than the scanner saves (43 against 14 ns a piece) */
    const int block = 0;
#endif
    size_t hard = 0; /* the last hard byte a window met (tok__pieces_at) */
    enum { QCAP = BATCH + BLK_WIN };
    uint32_t qs[QCAP], qn[QCAP], ends[BLK_WIN];
    uint64_t qk0[QCAP], qk1[QCAP], qh[QCAP];
    while (i < len) {
        size_t q = 0, j = i;
        while (q < BATCH && j < len) {
            const size_t got = tok__pieces_at(pattern, block, rules, s, len, j, ends, &hard);
            for (size_t g = 0; g < got; g++) {
                const size_t e = ends[g], n = e - j;
                qs[q] = (uint32_t)j;
                qn[q] = (uint32_t)n;
                if (cached && n >= 2 && n <= 16) {
                    qk0[q] = front_key(s + j, n, &qk1[q]);
                    qh[q] = front_hash(qk0[q], qk1[q], n);
                    __builtin_prefetch(front_first(sc, qh[q]));
                    if (sc->back_on) __builtin_prefetch(front_back(sc, qh[q]));
                }
                q++;
                j = e;
            }
        }
        for (size_t t = 0; t < q; t++) {
            size_t st = qs[t], n = qn[t];
            if (k + n > cap) {
                if (k == 0) { /* the caller grows the buffer to the piece */
                    if (need) *need = n;
                    return TOK_E_CAPACITY;
                }
                *pos = st;
                return (ptrdiff_t)k;
            }
            ptrdiff_t m;
            if (n == 1) {
                ids[k] = v->byte_id[s[st]];
                m = 1;
            } else if (cached && n <= 16) {
                m = piece_cached(v, s + st, n, qk0[t], qk1[t], qh[t], ids + k, sc);
            } else {
                m = tok_bpe_piece(v, s + st, n, ids + k, sc);
            }
            if (m < 0) return m;
            if (starts || sbits) { /* a piece's first token starts it; the tokens after it, by lengths */
                size_t off = st;
                for (ptrdiff_t u = 0; u < m; u++) {
                    if (u) off += tok__len_of(v, ids[k + (size_t)u - 1]);
                    if (starts) starts[k + (size_t)u] = (uint32_t)off;
                    else sbits[(off + sbit0) >> 6] |= (uint64_t)1 << ((off + sbit0) & 63);
                }
            }
            k += (size_t)m;
        }
        i = j;
    }
    *pos = i;
    return (ptrdiff_t)k;
}

static ptrdiff_t encode_dispatch(const tok_vocab *v, int pattern, const uint8_t *s, size_t len, size_t *pos,
                                 uint32_t *ids, uint32_t *starts, uint64_t *sbits, size_t sbit0, size_t cap,
                                 size_t *need, tok_scratch *sc) {
    if (len >= ((size_t)1 << 32)) return TOK_E_TOO_LARGE;
    switch (pattern) {
    case TOK_PATTERN_R50K: return encode_loop(TOK_PATTERN_R50K, v, s, len, pos, ids, starts, sbits, sbit0, cap, need, sc);
    case TOK_PATTERN_CL100K: return encode_loop(TOK_PATTERN_CL100K, v, s, len, pos, ids, starts, sbits, sbit0, cap, need, sc);
    case TOK_PATTERN_O200K: return encode_loop(TOK_PATTERN_O200K, v, s, len, pos, ids, starts, sbits, sbit0, cap, need, sc);
    case TOK_PATTERN_QWEN2: return encode_loop(TOK_PATTERN_QWEN2, v, s, len, pos, ids, starts, sbits, sbit0, cap, need, sc);
    case TOK_PATTERN_QWEN3_5: return encode_loop(TOK_PATTERN_QWEN3_5, v, s, len, pos, ids, starts, sbits, sbit0, cap, need, sc);
    case TOK_PATTERN_LLAMA3: return encode_loop(TOK_PATTERN_LLAMA3, v, s, len, pos, ids, starts, sbits, sbit0, cap, need, sc);
    case TOK_PATTERN_SUPERWORD: return encode_loop(TOK_PATTERN_SUPERWORD, v, s, len, pos, ids, starts, sbits, sbit0, cap, need, sc);
    case TOK_PATTERN_TEKKEN: return encode_loop(TOK_PATTERN_TEKKEN, v, s, len, pos, ids, starts, sbits, sbit0, cap, need, sc);
    case TOK_PATTERN_DEEPSEEK: return encode_loop(TOK_PATTERN_DEEPSEEK, v, s, len, pos, ids, starts, sbits, sbit0, cap, need, sc);
    case TOK_PATTERN_NUMBER_GROUPS:
    case TOK_PATTERN_CJK_RUNS:
    case TOK_PATTERN_DEEPSEEK_WORDS: /* rarely a whole encoding's pattern: one shared loop */
        return encode_loop(pattern, v, s, len, pos, ids, starts, sbits, sbit0, cap, need, sc);
    default: return TOK_E_PATTERN;
    }
}

ptrdiff_t tok_encode_ordinary(const tok_vocab *v, int pattern, const uint8_t *s, size_t len,
                              size_t *pos, uint32_t *ids, uint32_t *starts, size_t cap, size_t *need,
                              tok_scratch *sc) {
    return encode_dispatch(v, pattern, s, len, pos, ids, starts, NULL, 0, cap, need, sc);
}

ptrdiff_t tok_encode_ordinary_marking(const tok_vocab *v, int pattern, const uint8_t *s, size_t len,
                                      size_t *pos, uint32_t *ids, uint64_t *start_bits, size_t bit_offset,
                                      size_t cap, size_t *need, tok_scratch *sc) {
    if (!start_bits) return TOK_E_ARGUMENT;
    return encode_dispatch(v, pattern, s, len, pos, ids, NULL, start_bits, bit_offset, cap, need, sc);
}

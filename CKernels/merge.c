/*
 * merge.c — pair-merge BPE over symbol ids (see tok_merge.h).
 */
#include "tok_merge.h"
#include "tok_bpe.h"
#include "tok_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t key;   /* (a << 32 | b) + 1; 0 marks an empty slot */
    uint32_t rank;
    uint32_t merged;
} merge_slot;

struct tok_merges {
    merge_slot *slots;
    size_t mask;
    size_t count;
};

static inline size_t slot_of(uint64_t key, size_t mask) {
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & mask;
}

static int grow(tok_merges *m, size_t cap) {
    merge_slot *s = calloc(cap, sizeof *s);
    if (!s) return TOK_E_NOMEM;
    size_t mask = cap - 1;
    for (size_t i = 0; m->slots && i <= m->mask; i++) {
        if (!m->slots[i].key) continue;
        size_t j = slot_of(m->slots[i].key, mask);
        while (s[j].key) j = (j + 1) & mask;
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->mask = mask;
    return 0;
}

tok_merges *tok_merges_new(size_t expected) {
    tok_merges *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    size_t cap = 64;
    while (cap < expected * 2 && cap < ((size_t)1 << 40)) cap <<= 1;
    if (grow(m, cap) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

void tok_merges_free(tok_merges *m) {
    if (!m) return;
    free(m->slots);
    free(m);
}

int tok__merges_reserve(tok_merges *m, size_t n);

int tok_merges_set(tok_merges *m, uint32_t a, uint32_t b, uint32_t rank, uint32_t merged) {
    if ((m->count + 1) * 4 > (m->mask + 1) * 3 && tok__merges_reserve(m, 1)) return TOK_E_NOMEM;
    uint64_t key = (((uint64_t)a << 32) | b) + 1;
    size_t j = slot_of(key, m->mask);
    while (m->slots[j].key && m->slots[j].key != key) j = (j + 1) & m->mask;
    if (!m->slots[j].key) m->count++;
    m->slots[j].key = key;
    m->slots[j].rank = rank;
    m->slots[j].merged = merged;
    return 0;
}

static inline const merge_slot *find(const tok_merges *m, uint32_t a, uint32_t b) {
    uint64_t key = (((uint64_t)a << 32) | b) + 1;
    size_t j = slot_of(key, m->mask);
    for (;;) {
        const merge_slot *s = &m->slots[j];
        if (s->key == key) return s;
        if (!s->key) return NULL;
        j = (j + 1) & m->mask;
    }
}

int tok_merges_get(const tok_merges *m, uint32_t a, uint32_t b, uint32_t *rank, uint32_t *merged) {
    const merge_slot *s = find(m, a, b);
    if (!s) return 0;
    *rank = s->rank;
    *merged = s->merged;
    return 1;
}

size_t tok_merges_count(const tok_merges *m) { return m->count; }

/* A heap entry: rank in the high 32 bits, left position in the low 32, so the smallest key is
 * the lowest rank and, on a tie, the leftmost pair. The pair's ids are re-checked when popped. */
size_t tok_merge_work_size(size_t n) { return n * (2 * sizeof(int32_t) + 3 * sizeof(uint64_t)) + 64; }

static void heap_push(uint64_t *h, size_t *n, uint64_t v) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h[p] <= v) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = v;
}

static uint64_t heap_pop(uint64_t *h, size_t *n) {
    uint64_t top = h[0], v = h[--(*n)];
    size_t i = 0, m = *n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m) break;
        if (c + 1 < m && h[c + 1] < h[c]) c++;
        if (v <= h[c]) break;
        h[i] = h[c];
        i = c;
    }
    if (m) h[i] = v;
    return top;
}

/* Short words: a linear scan per merge beats heap upkeep. Same order: lowest rank, leftmost. */
static size_t merge_small(const tok_merges *m, uint32_t *ids, uint32_t *lens, size_t n) {
    uint32_t ranks[32], merged[32];
    for (size_t i = 0; i + 1 < n; i++) {
        const merge_slot *s = find(m, ids[i], ids[i + 1]);
        ranks[i] = s ? s->rank : UINT32_MAX;
        merged[i] = s ? s->merged : 0;
    }
    while (n > 1) {
        size_t best = SIZE_MAX;
        uint32_t br = UINT32_MAX;
        for (size_t i = 0; i + 1 < n; i++)
            if (ranks[i] < br) { br = ranks[i]; best = i; }
        if (best == SIZE_MAX) break;
        ids[best] = merged[best];
        if (lens) lens[best] += lens[best + 1];
        memmove(ids + best + 1, ids + best + 2, (n - best - 2) * sizeof *ids);
        if (lens) memmove(lens + best + 1, lens + best + 2, (n - best - 2) * sizeof *lens);
        size_t tail = n > best + 3 ? n - best - 3 : 0;   /* pairs after the merged one */
        memmove(ranks + best + 1, ranks + best + 2, tail * sizeof *ranks);
        memmove(merged + best + 1, merged + best + 2, tail * sizeof *merged);
        n--;
        for (size_t i = best ? best - 1 : 0; i <= best && i + 1 < n; i++) {
            const merge_slot *s = find(m, ids[i], ids[i + 1]);
            ranks[i] = s ? s->rank : UINT32_MAX;
            merged[i] = s ? s->merged : 0;
        }
    }
    return n;
}

size_t tok_merge_word(const tok_merges *m, uint32_t *ids, uint32_t *lens, size_t n, void *work) {
    if (n < 2) return n;
    if (n <= 32) return merge_small(m, ids, lens, n);
    uint64_t *heap = work;                /* at most n - 1 initial pushes + 2 per merge */
    int32_t *next = (int32_t *)(heap + 3 * n);
    int32_t *prev = next + n;
    size_t hn = 0;
    for (size_t i = 0; i < n; i++) {
        next[i] = i + 1 < n ? (int32_t)(i + 1) : -1;
        prev[i] = (int32_t)i - 1;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        const merge_slot *s = find(m, ids[i], ids[i + 1]);
        if (s) heap_push(heap, &hn, ((uint64_t)s->rank << 32) | i);
    }
    while (hn) {
        uint64_t top = heap_pop(heap, &hn);
        uint32_t rank = (uint32_t)(top >> 32);
        int32_t l = (int32_t)(uint32_t)top;
        if (ids[l] == UINT32_MAX) continue;     /* removed */
        int32_t r = next[l];
        if (r < 0) continue;
        /* stale unless the current pair still merges at this rank */
        const merge_slot *s = find(m, ids[l], ids[r]);
        if (!s || s->rank != rank) continue;
        ids[l] = s->merged;
        if (lens) lens[l] += lens[r];
        ids[r] = UINT32_MAX;
        next[l] = next[r];
        if (next[r] >= 0) prev[next[r]] = l;
        if (prev[l] >= 0) {
            const merge_slot *p = find(m, ids[prev[l]], ids[l]);
            if (p) heap_push(heap, &hn, ((uint64_t)p->rank << 32) | (uint32_t)prev[l]);
        }
        if (next[l] >= 0) {
            const merge_slot *q = find(m, ids[l], ids[next[l]]);
            if (q) heap_push(heap, &hn, ((uint64_t)q->rank << 32) | (uint32_t)l);
        }
    }
    size_t k = 0;
    for (int32_t i = 0; i >= 0; i = next[i]) {
        ids[k] = ids[i];
        if (lens) lens[k] = lens[i];
        k++;
    }
    return k;
}

int64_t tok_merges_from_ranks(tok_merges *m, const uint8_t *arena, const uint64_t *spans, size_t n,
                              uint32_t offset, int32_t *byte_ids) {
    for (int b = 0; b < 256; b++) byte_ids[b] = -1;
    size_t longest = 0;
    for (size_t r = 0; r < n; r++) {
        if (spans[r] == UINT64_MAX) continue;
        size_t len = TOK_SPAN_LEN(spans[r]);
        if (len == 1) byte_ids[arena[TOK_SPAN_OFF(spans[r])]] = (int32_t)(r + offset);
        if (len > longest) longest = len;
    }
    if (longest < 2) return 0;
    uint32_t *ids = malloc(longest * sizeof(uint32_t));
    void *work = malloc(tok_merge_work_size(longest));
    if (!ids || !work) { free(ids); free(work); return TOK_E_NOMEM; }
    int64_t count = 0;
    for (size_t r = 0; r < n; r++) {
        if (spans[r] == UINT64_MAX) continue;
        size_t len = TOK_SPAN_LEN(spans[r]);
        if (len < 2) continue;
        const uint8_t *b = arena + TOK_SPAN_OFF(spans[r]);
        int known = 1;
        for (size_t i = 0; i < len; i++) {
            if (byte_ids[b[i]] < 0) { known = 0; break; }
            ids[i] = (uint32_t)byte_ids[b[i]];
        }
        if (!known) continue;   /* a token over a byte with no token is never produced */
        if (tok_merge_word(m, ids, NULL, len, work) != 2) continue;
        if (tok_merges_set(m, ids[0], ids[1], (uint32_t)r, (uint32_t)(r + offset))) {
            free(ids); free(work);
            return TOK_E_NOMEM;
        }
        count++;
    }
    free(ids);
    free(work);
    return count;
}

int tok__merges_reserve(tok_merges *m, size_t n) {
    /* up to 3/4 full: probes stay short with this hash, and the table is half the size */
    size_t cap = m->mask + 1;
    while ((m->count + n) * 4 > cap * 3) cap *= 2;
    return cap != m->mask + 1 ? grow(m, cap) : 0;
}

void tok__merges_prefetch(const tok_merges *m, uint32_t a, uint32_t b) {
    __builtin_prefetch(&m->slots[slot_of((((uint64_t)a << 32) | b) + 1, m->mask)], 1);
}

/* ---- byte-string map ------------------------------------------------------------------- */

static int strmap_grow(tok_strmap *m, size_t cap) {
    strmap_slot *s = calloc(cap, sizeof *s);
    if (!s) return TOK_E_NOMEM;
    size_t mask = cap - 1;
    for (size_t i = 0; m->slots && i <= m->mask; i++) {
        if (!m->slots[i].hash) continue;
        size_t j = (size_t)m->slots[i].hash & mask;
        while (s[j].hash) j = (j + 1) & mask;
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->mask = mask;
    return 0;
}

tok_strmap *tok_strmap_new(size_t expected) {
    tok_strmap *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    size_t cap = 64;
    while (cap < expected * 2 && cap < ((size_t)1 << 40)) cap <<= 1;
    if (strmap_grow(m, cap) != 0) { free(m); return NULL; }
    return m;
}

void tok_strmap_free(tok_strmap *m) {
    if (!m) return;
    free(m->slots);
    free(m->arena);
    free(m);
}

static inline int strmap_equal2(const tok_strmap *m, const strmap_slot *e, const uint8_t *a, size_t na,
                                const uint8_t *b, size_t nb) {
    if (e->len != na + nb) return 0;
    const uint8_t *k = tok__strmap_key(m, e);
    return (na == 0 || memcmp(k, a, na) == 0) && (nb == 0 || memcmp(k + na, b, nb) == 0);
}

static const strmap_slot *strmap_find(const tok_strmap *m, uint64_t h, const uint8_t *a, size_t na,
                                      const uint8_t *b, size_t nb) {
    size_t j = (size_t)h & m->mask;
    while (m->slots[j].hash) {
        if (m->slots[j].hash == h && strmap_equal2(m, &m->slots[j], a, na, b, nb)) return &m->slots[j];
        j = (j + 1) & m->mask;
    }
    return NULL;
}

int tok_strmap_put(tok_strmap *m, const uint8_t *key, size_t n, uint32_t value) {
    if (n >= ((size_t)1 << 32)) return TOK_E_TOO_LARGE;
    return tok__strmap_put_h(m, key, n, value, tok__strmap_hash2(key, n, NULL, 0));
}

void tok__strmap_prefetch(const tok_strmap *m, uint64_t h) {
    __builtin_prefetch(&m->slots[(size_t)h & m->mask], 1);
}

int tok__strmap_reserve(tok_strmap *m, size_t extra) {
    size_t cap = m->mask + 1;
    while ((m->count + extra) * 2 > cap) cap *= 2;
    return cap == m->mask + 1 ? 0 : strmap_grow(m, cap);
}

int tok__strmap_put_h(tok_strmap *m, const uint8_t *key, size_t n, uint32_t value, uint64_t h) {
    strmap_slot *hit = (strmap_slot *)strmap_find(m, h, key, n, NULL, 0);
    if (hit) { hit->value = value; return 1; }
    if ((m->count + 1) * 2 > m->mask + 1 && strmap_grow(m, (m->mask + 1) * 2) != 0) return TOK_E_NOMEM;
    strmap_slot e = {.hash = h, .len = (uint32_t)n, .value = value};
    if (n <= 8) {
        if (n) memcpy(e.key.bytes, key, n);
    } else {
        if (tok__reserve_bytes(&m->arena, &m->arena_cap, m->arena_len, n, 4096)) return TOK_E_NOMEM;
        memcpy(m->arena + m->arena_len, key, n);
        e.key.off = m->arena_len;
        m->arena_len += n;
    }
    size_t j = (size_t)h & m->mask;
    while (m->slots[j].hash) j = (j + 1) & m->mask;
    m->slots[j] = e;
    m->count++;
    return 0;
}

int64_t tok_strmap_get2(const tok_strmap *m, const uint8_t *a, size_t na, const uint8_t *b, size_t nb) {
    const strmap_slot *e = strmap_find(m, tok__strmap_hash2(a, na, b, nb), a, na, b, nb);
    return e ? (int64_t)e->value : -1;
}

int64_t tok_strmap_get(const tok_strmap *m, const uint8_t *key, size_t n) {
    return tok_strmap_get2(m, key, n, NULL, 0);
}

size_t tok_strmap_count(const tok_strmap *m) { return m->count; }

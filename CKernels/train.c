/*
 * train.c — BPE training (see tok_train.h).
 *
 * The merge loop follows Hugging Face's BpeTrainer step for step, because its results (which pair
 * wins a tie, when a stale queue entry is refreshed, which words a merge visits) are what users
 * compare against:
 *  - pair counts are kept incrementally: merging (A, B) into N inside a word subtracts the pairs it
 *    breaks (prev, A) and (B, next) and adds the pairs it makes (prev, N) and (N, next); the count
 *    of (A, B) itself is left as it is (its entry leaves the queue);
 *  - each queue entry carries the set of words where its pair was seen when the entry was made;
 *    a merge visits exactly those words;
 *  - a popped entry whose count differs from the pair's current count is pushed back with the
 *    current count (keeping its words) instead of being merged;
 *  - pairs that gained occurrences in a step get a new entry (those words only) with the pair's
 *    total count.
 */
#include "tok_train.h"
#include "tok_bpe.h"
#include "tok_internal.h"
#include "tok_pretok.h"
#include "tok_merge.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Growable arrays
 */

static int grow_array(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem) return TOK_E_NOMEM;
        c *= 2;
    }
    void *n = realloc(*p, c * elem);
    if (!n) return TOK_E_NOMEM;
    *p = n;
    *cap = c;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Piece counts: byte strings in an arena, open addressing over entry indices.
 */

typedef struct {
    uint64_t hash;
    size_t off;
    size_t len;
    uint64_t count;
} piece_entry;

struct tok_piece_counts {
    uint8_t *arena;
    size_t arena_len, arena_cap;
    piece_entry *entries;
    size_t n, entries_cap;
    uint32_t *slots; /* entry index + 1; 0 = empty */
    size_t mask;
    uint64_t total;
};

tok_piece_counts *tok_piece_counts_new(void) {
    tok_piece_counts *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->slots = calloc(1024, sizeof *c->slots);
    if (!c->slots) {
        free(c);
        return NULL;
    }
    c->mask = 1023;
    return c;
}

void tok_piece_counts_free(tok_piece_counts *c) {
    if (!c) return;
    free(c->arena);
    free(c->entries);
    free(c->slots);
    free(c);
}

static int piece_rehash(tok_piece_counts *c) {
    size_t cap = (c->mask + 1) * 2;
    uint32_t *s = calloc(cap, sizeof *s);
    if (!s) return TOK_E_NOMEM;
    size_t mask = cap - 1;
    for (size_t k = 0; k < c->n; k++) {
        size_t i = (size_t)c->entries[k].hash & mask;
        while (s[i]) i = (i + 1) & mask;
        s[i] = (uint32_t)(k + 1);
    }
    free(c->slots);
    c->slots = s;
    c->mask = mask;
    return 0;
}

static int piece_add_h(tok_piece_counts *c, const uint8_t *p, size_t len, uint64_t h, uint64_t count) {
    size_t i = (size_t)h & c->mask;
    for (;;) {
        uint32_t e = c->slots[i];
        if (!e) break;
        piece_entry *pe = &c->entries[e - 1];
        if (pe->hash == h && pe->len == len && memcmp(c->arena + pe->off, p, len) == 0) {
            pe->count += count;
            c->total += count;
            return 0;
        }
        i = (i + 1) & c->mask;
    }
    if (c->n >= UINT32_MAX - 1) return TOK_E_NOMEM;
    if (grow_array((void **)&c->entries, &c->entries_cap, c->n + 1, sizeof *c->entries)) return TOK_E_NOMEM;
    if (grow_array((void **)&c->arena, &c->arena_cap, c->arena_len + len, 1)) return TOK_E_NOMEM;
    memcpy(c->arena + c->arena_len, p, len);
    c->entries[c->n] = (piece_entry){h, c->arena_len, len, count};
    c->arena_len += len;
    c->slots[i] = (uint32_t)(++c->n);
    c->total += count;
    if (c->n * 2 > c->mask) return piece_rehash(c);
    return 0;
}

int tok_piece_counts_add(tok_piece_counts *c, const uint8_t *s, size_t len, uint64_t count) {
    if (len == 0) return 0;
    return piece_add_h(c, s, len, tok__hash(s, len), count);
}

int tok_piece_counts_add_lines(tok_piece_counts *c, int pattern, const uint8_t *s, size_t len) {
    if (pattern != 0 && !tok_pattern_valid(pattern)) return TOK_E_PATTERN;
    size_t start = 0;
    while (start < len) {
        const uint8_t *nl = memchr(s + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - s) + 1 : len;
        const uint8_t *line = s + start;
        size_t n = end - start;
        if (pattern == 0) {
            int r = tok_piece_counts_add(c, line, n, 1);
            if (r) return r;
        } else {
            size_t pos = 0;
            while (pos < n) {
                size_t e = tok_pretok_next(pattern, line, n, pos);
                int r = piece_add_h(c, line + pos, e - pos, tok__hash(line + pos, e - pos), 1);
                if (r) return r;
                pos = e;
            }
        }
        start = end;
    }
    return 0;
}

int tok_piece_counts_merge(tok_piece_counts *dst, const tok_piece_counts *src) {
    for (size_t k = 0; k < src->n; k++) {
        const piece_entry *e = &src->entries[k];
        int r = piece_add_h(dst, src->arena + e->off, e->len, e->hash, e->count);
        if (r) return r;
    }
    return 0;
}

size_t tok_piece_counts_size(const tok_piece_counts *c) { return c->n; }

uint64_t tok_piece_counts_total(const tok_piece_counts *c) { return c->total; }

void tok_piece_counts_get(const tok_piece_counts *c, size_t k, const uint8_t **s, size_t *len, uint64_t *count) {
    const piece_entry *e = &c->entries[k];
    *s = c->arena + e->off;
    *len = e->len;
    *count = e->count;
}

/* ---------------------------------------------------------------------------------------------
 * Pair → value maps (open addressing, linear probing). Keys are (left << 32 | right) + 1 so that
 * 0 marks an empty slot.
 */

typedef struct {
    uint64_t *keys;
    int64_t *vals;
    size_t mask, n;
} pair_map;

static inline size_t pair_slot(uint64_t key, size_t mask) {
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 24) & mask;
}

static int pmap_init(pair_map *m, size_t cap) {
    size_t c = 64;
    while (c < cap * 2) c *= 2;
    m->keys = calloc(c, sizeof *m->keys);
    m->vals = calloc(c, sizeof *m->vals);
    if (!m->keys || !m->vals) return TOK_E_NOMEM;
    m->mask = c - 1;
    m->n = 0;
    return 0;
}

static void pmap_free(pair_map *m) {
    free(m->keys);
    free(m->vals);
}

static int pmap_grow(pair_map *m) {
    pair_map g;
    if (pmap_init(&g, m->mask + 1)) {
        pmap_free(&g);
        return TOK_E_NOMEM;
    }
    for (size_t i = 0; i <= m->mask; i++) {
        if (!m->keys[i]) continue;
        size_t j = pair_slot(m->keys[i], g.mask);
        while (g.keys[j]) j = (j + 1) & g.mask;
        g.keys[j] = m->keys[i];
        g.vals[j] = m->vals[i];
    }
    g.n = m->n;
    pmap_free(m);
    *m = g;
    return 0;
}

/* The slot of key, inserting it with value `init` when absent; SIZE_MAX when memory runs out. */
static inline size_t pmap_slot(pair_map *m, uint64_t key, int64_t init) {
    size_t i = pair_slot(key, m->mask);
    for (;;) {
        uint64_t k = m->keys[i];
        if (k == key) return i;
        if (!k) break;
        i = (i + 1) & m->mask;
    }
    if ((m->n + 1) * 2 > m->mask + 1) {
        if (pmap_grow(m)) return SIZE_MAX;
        return pmap_slot(m, key, init);
    }
    m->keys[i] = key;
    m->vals[i] = init;
    m->n++;
    return i;
}

static inline int64_t pmap_get(const pair_map *m, uint64_t key) {
    size_t i = pair_slot(key, m->mask);
    for (;;) {
        uint64_t k = m->keys[i];
        if (k == key) return m->vals[i];
        if (!k) return 0;
        i = (i + 1) & m->mask;
    }
}

/* ---------------------------------------------------------------------------------------------
 * The trainer
 */

typedef struct {
    uint32_t *v;
    uint32_t n, cap;
} word_list;

typedef struct {
    uint64_t count;
    uint64_t key; /* pair key (left << 32 | right) + 1 */
    uint32_t list;
} queue_entry;

typedef struct {
    uint32_t left, right, result;
    uint64_t count;
} merge_rec;

struct tok_bpe_trainer {
    /* vocabulary */
    uint8_t *arena;
    size_t arena_len, arena_cap;
    size_t *tok_off; /* n_tokens + 1 */
    uint32_t *units;
    uint64_t *tok_hash;
    uint32_t *tok_words; /* words in the token (see tok_bpe_trainer_set_word_rule) */
    uint8_t *tok_flags;  /* TF_* */
    uint32_t n_tokens;
    size_t tok_cap;
    uint32_t *tok_slots; /* id + 1; 0 = empty */
    size_t tok_mask;
    /* words */
    uint32_t *syms;
    size_t syms_len, syms_cap;
    size_t *word_start;
    uint32_t *word_len;
    uint64_t *word_count;
    size_t n_words, words_cap;
    /* training state */
    int started, finished;
    uint32_t vocab_size;
    uint64_t min_frequency;
    uint64_t max_length;
    uint32_t max_words;       /* 0: no limit */
    int forbid_colon_space;
    pair_map counts;
    pair_map where; /* pair → word list index (this step's new occurrences) */
    uint64_t *touched;
    size_t n_touched, touched_cap;
    word_list *lists;
    size_t n_lists, lists_cap;
    uint32_t *free_lists;
    size_t n_free, free_cap;
    queue_entry *heap;
    size_t heap_n, heap_cap;
    merge_rec *merges;
    size_t n_merges, merges_cap;
};

/* Token flags for the word rule (ASCII whitespace: space, \t, \n, \v, \f, \r). */
enum { TF_FIRST_WS = 1, TF_LAST_WS = 2, TF_FIRST_SPACE = 4, TF_LAST_COLON = 8, TF_COLON_SPACE = 16, TF_EMPTY = 32 };

static inline int ascii_ws(uint8_t b) { return b == ' ' || (b >= '\t' && b <= '\r'); }

/* Words (maximal runs of non-whitespace bytes) and flags of p[0..len). */
static void word_attrs(const uint8_t *p, size_t len, uint32_t *words, uint8_t *flags) {
    uint32_t w = 0;
    uint8_t f = len ? 0 : TF_EMPTY;
    for (size_t i = 0; i < len; i++) {
        if (!ascii_ws(p[i]) && (i == 0 || ascii_ws(p[i - 1]))) w++;
        if (p[i] == ':' && i + 1 < len && p[i + 1] == ' ') f |= TF_COLON_SPACE;
    }
    if (len) {
        if (ascii_ws(p[0])) f |= TF_FIRST_WS;
        if (p[0] == ' ') f |= TF_FIRST_SPACE;
        if (ascii_ws(p[len - 1])) f |= TF_LAST_WS;
        if (p[len - 1] == ':') f |= TF_LAST_COLON;
    }
    *words = w;
    *flags = f;
}

static int64_t tok_find(const tok_bpe_trainer *t, const uint8_t *p, size_t len, uint64_t h) {
    size_t i = (size_t)h & t->tok_mask;
    for (;;) {
        uint32_t e = t->tok_slots[i];
        if (!e) return -1;
        uint32_t id = e - 1;
        size_t off = t->tok_off[id], n = t->tok_off[id + 1] - off;
        if (t->tok_hash[id] == h && n == len && memcmp(t->arena + off, p, len) == 0) return id;
        i = (i + 1) & t->tok_mask;
    }
}

static int tok_rehash(tok_bpe_trainer *t) {
    size_t cap = (t->tok_mask + 1) * 2;
    uint32_t *s = calloc(cap, sizeof *s);
    if (!s) return TOK_E_NOMEM;
    size_t mask = cap - 1;
    for (uint32_t id = 0; id < t->n_tokens; id++) {
        if (t->tok_off[id + 1] == t->tok_off[id]) continue; /* empty strings are not looked up */
        size_t i = (size_t)t->tok_hash[id] & mask;
        while (s[i]) i = (i + 1) & mask;
        s[i] = id + 1;
    }
    free(t->tok_slots);
    t->tok_slots = s;
    t->tok_mask = mask;
    return 0;
}

/* Appends a token (bytes not yet present); its id, or TOK_E_NOMEM. */
static int64_t tok_append(tok_bpe_trainer *t, const uint8_t *p, size_t len, uint64_t h, uint32_t units) {
    if (t->n_tokens >= UINT32_MAX - 2) return TOK_E_NOMEM;
    size_t need = (size_t)t->n_tokens + 2;
    if (need > t->tok_cap) {
        size_t c = t->tok_cap ? t->tok_cap * 2 : 1024;
        while (c < need) c *= 2;
        size_t *o = realloc(t->tok_off, c * sizeof *o);
        if (!o) return TOK_E_NOMEM;
        t->tok_off = o;
        uint32_t *u = realloc(t->units, c * sizeof *u);
        if (!u) return TOK_E_NOMEM;
        t->units = u;
        uint64_t *hh = realloc(t->tok_hash, c * sizeof *hh);
        if (!hh) return TOK_E_NOMEM;
        t->tok_hash = hh;
        uint32_t *ww = realloc(t->tok_words, c * sizeof *ww);
        if (!ww) return TOK_E_NOMEM;
        t->tok_words = ww;
        uint8_t *ff = realloc(t->tok_flags, c * sizeof *ff);
        if (!ff) return TOK_E_NOMEM;
        t->tok_flags = ff;
        t->tok_cap = c;
    }
    if (grow_array((void **)&t->arena, &t->arena_cap, t->arena_len + len, 1)) return TOK_E_NOMEM;
    if (len) memcpy(t->arena + t->arena_len, p, len);
    uint32_t id = t->n_tokens++;
    t->tok_off[id] = t->arena_len;
    t->arena_len += len;
    t->tok_off[id + 1] = t->arena_len;
    t->units[id] = units;
    t->tok_hash[id] = h;
    word_attrs(p, len, &t->tok_words[id], &t->tok_flags[id]);
    if (len) {
        if ((size_t)t->n_tokens * 2 > t->tok_mask) {
            if (tok_rehash(t)) return TOK_E_NOMEM;
        } else {
            size_t i = (size_t)h & t->tok_mask;
            while (t->tok_slots[i]) i = (i + 1) & t->tok_mask;
            t->tok_slots[i] = id + 1;
        }
    }
    return id;
}

tok_bpe_trainer *tok_bpe_trainer_new(const uint8_t *bytes, const uint32_t *offsets, const uint32_t *units,
                                     uint32_t n_tokens) {
    tok_bpe_trainer *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->tok_slots = calloc(1024, sizeof *t->tok_slots);
    if (!t->tok_slots) goto fail;
    t->tok_mask = 1023;
    for (uint32_t i = 0; i < n_tokens; i++) {
        const uint8_t *p = bytes + offsets[i];
        size_t len = offsets[i + 1] - offsets[i];
        uint64_t h = tok__hash(p, len);
        if (len && tok_find(t, p, len, h) >= 0) goto fail;
        if (tok_append(t, p, len, h, units[i]) < 0) goto fail;
    }
    return t;
fail:
    tok_bpe_trainer_free(t);
    return NULL;
}

void tok_bpe_trainer_free(tok_bpe_trainer *t) {
    if (!t) return;
    free(t->arena);
    free(t->tok_off);
    free(t->units);
    free(t->tok_hash);
    free(t->tok_words);
    free(t->tok_flags);
    free(t->tok_slots);
    free(t->syms);
    free(t->word_start);
    free(t->word_len);
    free(t->word_count);
    if (t->started) {
        pmap_free(&t->counts);
        pmap_free(&t->where);
    }
    free(t->touched);
    for (size_t i = 0; i < t->n_lists; i++) free(t->lists[i].v);
    free(t->lists);
    free(t->free_lists);
    free(t->heap);
    free(t->merges);
    free(t);
}

int tok_bpe_trainer_add_word(tok_bpe_trainer *t, const uint32_t *ids, size_t n, uint64_t count) {
    if (t->started) return TOK_E_CAPACITY;
    if (n > UINT32_MAX) return TOK_E_TOO_LARGE;
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= t->n_tokens) return TOK_E_UNKNOWN_ID;
    if (t->n_words >= UINT32_MAX - 1) return TOK_E_TOO_LARGE;
    if (t->n_words == t->words_cap) {
        size_t c = t->words_cap ? t->words_cap * 2 : 1024;
        size_t *s = realloc(t->word_start, c * sizeof *s);
        if (!s) return TOK_E_NOMEM;
        t->word_start = s;
        uint32_t *l = realloc(t->word_len, c * sizeof *l);
        if (!l) return TOK_E_NOMEM;
        t->word_len = l;
        uint64_t *k = realloc(t->word_count, c * sizeof *k);
        if (!k) return TOK_E_NOMEM;
        t->word_count = k;
        t->words_cap = c;
    }
    if (grow_array((void **)&t->syms, &t->syms_cap, t->syms_len + n, sizeof *t->syms)) return TOK_E_NOMEM;
    memcpy(t->syms + t->syms_len, ids, n * sizeof *ids);
    t->word_start[t->n_words] = t->syms_len;
    t->word_len[t->n_words] = (uint32_t)n;
    t->word_count[t->n_words] = count;
    t->syms_len += n;
    t->n_words++;
    return 0;
}

int tok_bpe_trainer_add_pieces(tok_bpe_trainer *t, const tok_piece_counts *c, const uint32_t byte_ids[256]) {
    uint32_t *buf = NULL;
    size_t cap = 0;
    int r = 0;
    for (size_t k = 0; k < c->n && !r; k++) {
        const piece_entry *e = &c->entries[k];
        if (grow_array((void **)&buf, &cap, e->len, sizeof *buf)) {
            r = TOK_E_NOMEM;
            break;
        }
        const uint8_t *p = c->arena + e->off;
        for (size_t i = 0; i < e->len; i++) buf[i] = byte_ids[p[i]];
        r = tok_bpe_trainer_add_word(t, buf, e->len, e->count);
    }
    free(buf);
    return r;
}

/* Word lists (the words of a queue entry). */

static int64_t list_new(tok_bpe_trainer *t) {
    if (t->n_free) return t->free_lists[--t->n_free];
    if (t->n_lists >= UINT32_MAX - 1) return TOK_E_NOMEM;
    if (grow_array((void **)&t->lists, &t->lists_cap, t->n_lists + 1, sizeof *t->lists)) return TOK_E_NOMEM;
    t->lists[t->n_lists] = (word_list){NULL, 0, 0};
    return (int64_t)t->n_lists++;
}

static int list_release(tok_bpe_trainer *t, uint32_t l) {
    word_list *w = &t->lists[l];
    w->n = 0;
    if (w->cap > 64) { /* big lists give their memory back; small ones are reused as they are */
        free(w->v);
        w->v = NULL;
        w->cap = 0;
    }
    if (grow_array((void **)&t->free_lists, &t->free_cap, t->n_free + 1, sizeof *t->free_lists)) return TOK_E_NOMEM;
    t->free_lists[t->n_free++] = l;
    return 0;
}

static inline int list_add(tok_bpe_trainer *t, uint32_t l, uint32_t word) {
    word_list *w = &t->lists[l];
    if (w->n && w->v[w->n - 1] == word) return 0; /* a set: a word's changes come together */
    if (w->n == w->cap) {
        uint32_t c = w->cap ? w->cap * 2 : 4;
        if (c < w->cap) return TOK_E_NOMEM;
        uint32_t *v = realloc(w->v, (size_t)c * sizeof *v);
        if (!v) return TOK_E_NOMEM;
        w->v = v;
        w->cap = c;
    }
    w->v[w->n++] = word;
    return 0;
}

/* The queue: a binary max-heap on (count, then the smaller pair). */

static inline int q_above(const queue_entry *a, const queue_entry *b) {
    return a->count != b->count ? a->count > b->count : a->key < b->key;
}

static int q_push(tok_bpe_trainer *t, queue_entry e) {
    if (grow_array((void **)&t->heap, &t->heap_cap, t->heap_n + 1, sizeof *t->heap)) return TOK_E_NOMEM;
    size_t i = t->heap_n++;
    while (i) {
        size_t p = (i - 1) / 2;
        if (!q_above(&e, &t->heap[p])) break;
        t->heap[i] = t->heap[p];
        i = p;
    }
    t->heap[i] = e;
    return 0;
}

static queue_entry q_pop(tok_bpe_trainer *t) {
    queue_entry top = t->heap[0];
    queue_entry last = t->heap[--t->heap_n];
    size_t n = t->heap_n, i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && q_above(&t->heap[c + 1], &t->heap[c])) c++;
        if (!q_above(&t->heap[c], &last)) break;
        t->heap[i] = t->heap[c];
        i = c;
    }
    if (n) t->heap[i] = last;
    return top;
}

static inline uint64_t pair_key(uint32_t a, uint32_t b) { return (((uint64_t)a << 32) | b) + 1; }

/* Records that `word` gained an occurrence of the pair: into this step's word list for it. */
static int where_add(tok_bpe_trainer *t, uint64_t key, uint32_t word) {
    size_t s = pmap_slot(&t->where, key, -1);
    if (s == SIZE_MAX) return TOK_E_NOMEM;
    if (t->where.vals[s] < 0) {
        int64_t l = list_new(t);
        if (l < 0) return (int)l;
        t->where.vals[s] = l;
        if (grow_array((void **)&t->touched, &t->touched_cap, t->n_touched + 1, sizeof *t->touched)) return TOK_E_NOMEM;
        t->touched[t->n_touched++] = key;
    }
    return list_add(t, (uint32_t)t->where.vals[s], word);
}

static inline int count_add(tok_bpe_trainer *t, uint64_t key, int64_t delta) {
    size_t s = pmap_slot(&t->counts, key, 0);
    if (s == SIZE_MAX) return TOK_E_NOMEM;
    t->counts.vals[s] += delta;
    return 0;
}

/* Pushes an entry for every pair touched this step whose count is positive; empties `where`
 * (only the slots used: the map keeps its size, clearing all of it each step would cost more). */
static int flush_where(tok_bpe_trainer *t) {
    int r = 0;
    for (size_t k = 0; k < t->n_touched; k++) {
        uint64_t key = t->touched[k];
        size_t s = pmap_slot(&t->where, key, -1);
        uint32_t l = (uint32_t)t->where.vals[s];
        t->touched[k] = s; /* from now on: the slot to clear (nothing is inserted meanwhile) */
        int64_t c = pmap_get(&t->counts, key);
        if (!r && c > 0) r = q_push(t, (queue_entry){(uint64_t)c, key, l});
        else if (!r) r = list_release(t, l);
    }
    for (size_t k = 0; k < t->n_touched; k++) t->where.keys[t->touched[k]] = 0;
    t->where.n = 0;
    t->n_touched = 0;
    return r;
}

static inline int pair_allowed(const tok_bpe_trainer *t, uint32_t a, uint32_t b) {
    if ((uint64_t)t->units[a] + t->units[b] > t->max_length) return 0;
    uint8_t fa = t->tok_flags[a], fb = t->tok_flags[b];
    if (t->max_words) {
        /* a word continues across the join when a ends and b starts with non-whitespace */
        int joined = !(fa & (TF_LAST_WS | TF_EMPTY)) && !(fb & (TF_FIRST_WS | TF_EMPTY)) && t->tok_words[a] &&
                     t->tok_words[b];
        if ((uint64_t)t->tok_words[a] + t->tok_words[b] - (uint64_t)joined > t->max_words) return 0;
    }
    if (t->forbid_colon_space &&
        (((fa | fb) & TF_COLON_SPACE) || ((fa & TF_LAST_COLON) && (fb & TF_FIRST_SPACE))))
        return 0;
    return 1;
}

int tok_bpe_trainer_set_word_rule(tok_bpe_trainer *t, uint32_t max_words, int forbid_colon_space) {
    if (t->started) return TOK_E_CAPACITY;
    t->max_words = max_words;
    t->forbid_colon_space = forbid_colon_space != 0;
    return 0;
}

int tok_bpe_trainer_add_pieces_merged(tok_bpe_trainer *t, const tok_piece_counts *c, const uint32_t byte_ids[256],
                                      const tok_merges *m) {
    uint32_t *buf = NULL;
    void *work = NULL;
    size_t cap = 0, work_cap = 0;
    int r = 0;
    for (size_t k = 0; k < c->n && !r; k++) {
        const piece_entry *e = &c->entries[k];
        if (e->len > UINT32_MAX / 2) { r = TOK_E_TOO_LARGE; break; }
        if (grow_array((void **)&buf, &cap, e->len, sizeof *buf)) { r = TOK_E_NOMEM; break; }
        size_t need = tok_merge_work_size(e->len);
        if (need > work_cap) {
            free(work);
            work = malloc(need);
            if (!work) { r = TOK_E_NOMEM; break; }
            work_cap = need;
        }
        const uint8_t *p = c->arena + e->off;
        for (size_t i = 0; i < e->len; i++) buf[i] = byte_ids[p[i]];
        size_t n = tok_merge_word(m, buf, NULL, e->len, work);
        r = tok_bpe_trainer_add_word(t, buf, n, e->count);
    }
    free(buf);
    free(work);
    return r;
}

int tok_bpe_trainer_start(tok_bpe_trainer *t, uint32_t vocab_size, uint64_t min_frequency, uint32_t max_length) {
    if (t->started) return TOK_E_CAPACITY;
    t->vocab_size = vocab_size;
    t->min_frequency = min_frequency;
    t->max_length = max_length ? max_length : UINT64_MAX;
    if (pmap_init(&t->counts, 1u << 16) || pmap_init(&t->where, 1u << 16)) {
        t->started = 1;
        return TOK_E_NOMEM;
    }
    t->started = 1;
    for (size_t w = 0; w < t->n_words; w++) {
        const uint32_t *s = t->syms + t->word_start[w];
        uint32_t n = t->word_len[w];
        for (uint32_t i = 0; i + 1 < n; i++) {
            if (!pair_allowed(t, s[i], s[i + 1])) continue;
            uint64_t key = pair_key(s[i], s[i + 1]);
            int r = count_add(t, key, (int64_t)t->word_count[w]);
            if (!r) r = where_add(t, key, (uint32_t)w);
            if (r) return r;
        }
    }
    int r = flush_where(t);
    if (r) return r;
    /* The where map held every pair: start the steps with a small one again. */
    pmap_free(&t->where);
    return pmap_init(&t->where, 1u << 12);
}

/* Merges (a, b) → m in word w, updating counts and this step's word lists. */
static int merge_word(tok_bpe_trainer *t, uint32_t w, uint32_t a, uint32_t b, uint32_t m) {
    uint32_t *s = t->syms + t->word_start[w];
    uint32_t n = t->word_len[w], r = 0, o = 0;
    int64_t c = (int64_t)t->word_count[w];
    int err = 0;
    while (r < n) {
        if (s[r] == a && r + 1 < n && s[r + 1] == b) {
            if (o > 0) {
                uint32_t p = s[o - 1];
                err |= count_add(t, pair_key(p, a), -c);
                if (pair_allowed(t, p, m)) {
                    uint64_t k = pair_key(p, m);
                    err |= count_add(t, k, c);
                    err |= where_add(t, k, w);
                }
            }
            s[o++] = m;
            r += 2;
            if (r < n) {
                uint32_t q = s[r];
                err |= count_add(t, pair_key(b, q), -c);
                if (pair_allowed(t, m, q)) {
                    uint64_t k = pair_key(m, q);
                    err |= count_add(t, k, c);
                    err |= where_add(t, k, w);
                }
            }
        } else {
            s[o++] = s[r++];
        }
    }
    t->word_len[w] = o;
    return err ? TOK_E_NOMEM : 0;
}

int64_t tok_bpe_trainer_step(tok_bpe_trainer *t, uint32_t max_steps) {
    if (!t->started) return TOK_E_CAPACITY;
    uint8_t *buf = NULL;
    size_t buf_cap = 0;
    int64_t done = 0;
    while (!t->finished && done < (int64_t)max_steps) {
        if (t->n_tokens >= t->vocab_size || t->heap_n == 0) {
            t->finished = 1;
            break;
        }
        queue_entry top = q_pop(t);
        uint64_t current = (uint64_t)pmap_get(&t->counts, top.key);
        if (top.count != current) {
            top.count = current;
            if (q_push(t, top)) goto nomem;
            continue;
        }
        if (top.count < 1 || t->min_frequency > top.count) {
            list_release(t, top.list);
            t->finished = 1;
            break;
        }
        uint32_t a = (uint32_t)((top.key - 1) >> 32), b = (uint32_t)(top.key - 1);
        size_t la = t->tok_off[a + 1] - t->tok_off[a], lb = t->tok_off[b + 1] - t->tok_off[b];
        if (grow_array((void **)&buf, &buf_cap, la + lb, 1)) goto nomem;
        memcpy(buf, t->arena + t->tok_off[a], la);
        memcpy(buf + la, t->arena + t->tok_off[b], lb);
        uint64_t h = tok__hash(buf, la + lb);
        int64_t m = tok_find(t, buf, la + lb, h);
        if (m < 0) m = tok_append(t, buf, la + lb, h, t->units[a] + t->units[b]);
        if (m < 0) goto nomem;
        if (grow_array((void **)&t->merges, &t->merges_cap, t->n_merges + 1, sizeof *t->merges)) goto nomem;
        t->merges[t->n_merges++] = (merge_rec){a, b, (uint32_t)m, top.count};
        /* t->lists may move while words are merged (where_add makes lists): index it each time. */
        for (uint32_t k = 0; k < t->lists[top.list].n; k++)
            if (merge_word(t, t->lists[top.list].v[k], a, b, (uint32_t)m)) goto nomem;
        if (list_release(t, top.list)) goto nomem;
        if (flush_where(t)) goto nomem;
        done++;
    }
    free(buf);
    return done;
nomem:
    free(buf);
    t->finished = 1;
    return TOK_E_NOMEM;
}

uint32_t tok_bpe_trainer_vocab_size(const tok_bpe_trainer *t) { return t->n_tokens; }

const uint8_t *tok_bpe_trainer_token(const tok_bpe_trainer *t, uint32_t id, size_t *len) {
    if (id >= t->n_tokens) return NULL;
    *len = t->tok_off[id + 1] - t->tok_off[id];
    return t->arena + t->tok_off[id];
}

size_t tok_bpe_trainer_merge_count(const tok_bpe_trainer *t) { return t->n_merges; }

void tok_bpe_trainer_merge(const tok_bpe_trainer *t, size_t k, uint32_t *left, uint32_t *right, uint32_t *result,
                           uint64_t *count) {
    const merge_rec *r = &t->merges[k];
    *left = r->left;
    *right = r->right;
    *result = r->result;
    *count = r->count;
}

size_t tok_bpe_trainer_word_count(const tok_bpe_trainer *t) { return t->n_words; }

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
 * String tables: distinct byte strings in an arena, numbered in the order they were added, found
 * by open addressing over their numbers. The piece counts and the trainer's vocabulary are both
 * one of these.
 */

typedef struct {
    uint64_t hash;
    size_t off, len;
} str_entry;

typedef struct {
    uint8_t *arena;
    size_t arena_len, arena_cap;
    str_entry *e;
    size_t n, cap;
    uint32_t *slots; /* string number + 1; 0 = empty */
    size_t mask;
} strtab;

static int strtab_init(strtab *t) {
    memset(t, 0, sizeof *t);
    t->slots = calloc(1024, sizeof *t->slots);
    if (!t->slots) return TOK_E_NOMEM;
    t->mask = 1023;
    return 0;
}

static void strtab_free(strtab *t) {
    free(t->arena);
    free(t->e);
    free(t->slots);
}

/* The number of the string p[0..len) whose tok__hash is h, or -1. */
static int64_t strtab_find(const strtab *t, const uint8_t *p, size_t len, uint64_t h) {
    size_t i = (size_t)h & t->mask;
    for (;;) {
        uint32_t k = t->slots[i];
        if (!k) return -1;
        const str_entry *e = &t->e[k - 1];
        if (e->hash == h && e->len == len && memcmp(t->arena + e->off, p, len) == 0) return k - 1;
        i = (i + 1) & t->mask;
    }
}

static int strtab_rehash(strtab *t) {
    size_t cap = (t->mask + 1) * 2;
    uint32_t *s = calloc(cap, sizeof *s);
    if (!s) return TOK_E_NOMEM;
    size_t mask = cap - 1;
    for (size_t k = 0; k < t->n; k++) {
        if (!t->e[k].len) continue; /* empty strings are kept but never looked up */
        size_t i = (size_t)t->e[k].hash & mask;
        while (s[i]) i = (i + 1) & mask;
        s[i] = (uint32_t)(k + 1);
    }
    free(t->slots);
    t->slots = s;
    t->mask = mask;
    return 0;
}

/* Adds p[0..len) (not present; hash h) and returns its number, or TOK_E_NOMEM. */
static int64_t strtab_add(strtab *t, const uint8_t *p, size_t len, uint64_t h) {
    if (t->n >= UINT32_MAX - 2) return TOK_E_NOMEM;
    if (grow_array((void **)&t->e, &t->cap, t->n + 1, sizeof *t->e)) return TOK_E_NOMEM;
    if (grow_array((void **)&t->arena, &t->arena_cap, t->arena_len + len, 1)) return TOK_E_NOMEM;
    if (len) memcpy(t->arena + t->arena_len, p, len);
    size_t k = t->n++;
    t->e[k] = (str_entry){h, t->arena_len, len};
    t->arena_len += len;
    if (len) {
        if (t->n * 2 > t->mask) {
            if (strtab_rehash(t)) return TOK_E_NOMEM;
        } else {
            size_t i = (size_t)h & t->mask;
            while (t->slots[i]) i = (i + 1) & t->mask;
            t->slots[i] = (uint32_t)(k + 1);
        }
    }
    return (int64_t)k;
}

static inline const uint8_t *strtab_bytes(const strtab *t, size_t k) { return t->arena + t->e[k].off; }

/* ---------------------------------------------------------------------------------------------
 * Piece counts: a string table and a count per string.
 */

struct tok_piece_counts {
    strtab s;
    uint64_t *counts;
    size_t counts_cap;
    uint64_t total;
};

tok_piece_counts *tok_piece_counts_new(void) {
    tok_piece_counts *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    if (strtab_init(&c->s)) {
        tok_piece_counts_free(c);
        return NULL;
    }
    return c;
}

void tok_piece_counts_free(tok_piece_counts *c) {
    if (!c) return;
    strtab_free(&c->s);
    free(c->counts);
    free(c);
}

static int piece_add_h(tok_piece_counts *c, const uint8_t *p, size_t len, uint64_t h, uint64_t count) {
    int64_t k = strtab_find(&c->s, p, len, h);
    if (k < 0) {
        k = strtab_add(&c->s, p, len, h);
        if (k < 0) return (int)k;
        if (grow_array((void **)&c->counts, &c->counts_cap, (size_t)k + 1, sizeof *c->counts)) return TOK_E_NOMEM;
        c->counts[k] = 0;
    }
    c->counts[k] += count;
    c->total += count;
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
        size_t n = end - start, pos = 0;
        while (pos < n) {
            size_t e = pattern ? tok_pretok_next(pattern, line, n, pos) : n; /* pattern 0: the line */
            int r = piece_add_h(c, line + pos, e - pos, tok__hash(line + pos, e - pos), 1);
            if (r) return r;
            pos = e;
        }
        start = end;
    }
    return 0;
}

/* splitmix64: the generator of the random chunk lengths (small, fast, the same everywhere). */
static inline uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int tok_piece_counts_add_random_chunks(tok_piece_counts *c, const uint8_t *s, size_t len, const uint32_t *bin_min,
                                       const uint32_t *bin_max, const uint32_t *bin_cum, size_t n_bins,
                                       uint64_t seed) {
    if (n_bins == 0 || bin_cum[n_bins - 1] == 0) return TOK_E_ARGUMENT;
    uint32_t least = UINT32_MAX;
    for (size_t k = 0; k < n_bins; k++) {
        if (bin_min[k] == 0 || bin_min[k] > bin_max[k] || (k && bin_cum[k] < bin_cum[k - 1])) return TOK_E_ARGUMENT;
        if (bin_min[k] < least) least = bin_min[k];
    }
    /* Characters left: counted once, then decremented chunk by chunk. */
    size_t left = 0;
    for (size_t i = 0; i < len; i++) left += (s[i] & 0xC0) != 0x80 || i == 0;
    uint64_t state = seed;
    size_t pos = 0;
    while (pos < len) {
        size_t want;
        if (left < least) {
            want = left;
        } else {
            uint32_t r = (uint32_t)(splitmix64(&state) >> 32) % bin_cum[n_bins - 1];
            size_t k = 0;
            while (r >= bin_cum[k]) k++;
            size_t lo = bin_min[k] < left ? bin_min[k] : left, hi = bin_max[k] < left ? bin_max[k] : left;
            want = lo + (size_t)(splitmix64(&state) % (uint64_t)(hi - lo + 1));
        }
        /* Advance `want` characters: each starts at a byte that is not a continuation byte (a
         * stray continuation byte at the start counts as one). */
        size_t e = pos, got = 0;
        while (e < len && got < want) {
            e++;
            while (e < len && (s[e] & 0xC0) == 0x80) e++;
            got++;
        }
        int rc = piece_add_h(c, s + pos, e - pos, tok__hash(s + pos, e - pos), 1);
        if (rc) return rc;
        left -= got;
        pos = e;
    }
    return 0;
}

int tok_piece_counts_merge(tok_piece_counts *dst, const tok_piece_counts *src) {
    for (size_t k = 0; k < src->s.n; k++) {
        const str_entry *e = &src->s.e[k];
        int r = piece_add_h(dst, strtab_bytes(&src->s, k), e->len, e->hash, src->counts[k]);
        if (r) return r;
    }
    return 0;
}

size_t tok_piece_counts_size(const tok_piece_counts *c) { return c->s.n; }

uint64_t tok_piece_counts_total(const tok_piece_counts *c) { return c->total; }

void tok_piece_counts_get(const tok_piece_counts *c, size_t k, const uint8_t **s, size_t *len, uint64_t *count) {
    *s = strtab_bytes(&c->s, k);
    *len = c->s.e[k].len;
    *count = c->counts[k];
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
    /* vocabulary: token id = string number */
    strtab toks;
    uint32_t *units;     /* length in max_length's units */
    uint32_t *tok_words; /* words in the token (see tok_bpe_trainer_set_word_rule) */
    uint8_t *tok_flags;  /* TF_* */
    size_t units_cap, tok_words_cap, tok_flags_cap;
    /* words */
    uint32_t *syms;
    size_t syms_len, syms_cap;
    size_t *word_start;
    uint32_t *word_len;
    uint64_t *word_count;
    size_t n_words, word_start_cap, word_len_cap, word_count_cap;
    /* training state */
    int started, finished;
    uint32_t vocab_size;
    uint64_t min_frequency;
    uint64_t max_length;
    int char_units;           /* lengths count UTF-8 characters (tok_bpe_trainer_count_characters) */
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

/* Appends a token (bytes not yet present); its id, or TOK_E_NOMEM. */
static int64_t tok_append(tok_bpe_trainer *t, const uint8_t *p, size_t len, uint64_t h, uint32_t units) {
    size_t n = t->toks.n + 1;
    if (grow_array((void **)&t->units, &t->units_cap, n, sizeof *t->units) ||
        grow_array((void **)&t->tok_words, &t->tok_words_cap, n, sizeof *t->tok_words) ||
        grow_array((void **)&t->tok_flags, &t->tok_flags_cap, n, sizeof *t->tok_flags))
        return TOK_E_NOMEM;
    int64_t id = strtab_add(&t->toks, p, len, h);
    if (id < 0) return id;
    t->units[id] = units;
    word_attrs(p, len, &t->tok_words[id], &t->tok_flags[id]);
    return id;
}

tok_bpe_trainer *tok_bpe_trainer_new(const uint8_t *bytes, const uint32_t *offsets, const uint32_t *units,
                                     uint32_t n_tokens) {
    tok_bpe_trainer *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    if (strtab_init(&t->toks)) goto fail;
    for (uint32_t i = 0; i < n_tokens; i++) {
        const uint8_t *p = bytes + offsets[i];
        size_t len = offsets[i + 1] - offsets[i];
        uint64_t h = tok__hash(p, len);
        if (len && strtab_find(&t->toks, p, len, h) >= 0) goto fail;
        if (tok_append(t, p, len, h, units[i]) < 0) goto fail;
    }
    return t;
fail:
    tok_bpe_trainer_free(t);
    return NULL;
}

void tok_bpe_trainer_free(tok_bpe_trainer *t) {
    if (!t) return;
    strtab_free(&t->toks);
    free(t->units);
    free(t->tok_words);
    free(t->tok_flags);
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
        if (ids[i] >= t->toks.n) return TOK_E_UNKNOWN_ID;
    if (t->n_words >= UINT32_MAX - 1) return TOK_E_TOO_LARGE;
    size_t w = t->n_words;
    if (grow_array((void **)&t->word_start, &t->word_start_cap, w + 1, sizeof *t->word_start) ||
        grow_array((void **)&t->word_len, &t->word_len_cap, w + 1, sizeof *t->word_len) ||
        grow_array((void **)&t->word_count, &t->word_count_cap, w + 1, sizeof *t->word_count) ||
        grow_array((void **)&t->syms, &t->syms_cap, t->syms_len + n, sizeof *t->syms))
        return TOK_E_NOMEM;
    memcpy(t->syms + t->syms_len, ids, n * sizeof *ids);
    t->word_start[w] = t->syms_len;
    t->word_len[w] = (uint32_t)n;
    t->word_count[w] = count;
    t->syms_len += n;
    t->n_words++;
    return 0;
}

int tok_bpe_trainer_add_pieces(tok_bpe_trainer *t, const tok_piece_counts *c, const uint32_t byte_ids[256],
                               const tok_merges *m) {
    uint32_t *buf = NULL;
    void *work = NULL;
    size_t cap = 0, work_cap = 0;
    int r = 0;
    for (size_t k = 0; k < c->s.n && !r; k++) {
        size_t len = c->s.e[k].len;
        if (len > UINT32_MAX / 2) { r = TOK_E_TOO_LARGE; break; }
        if (grow_array((void **)&buf, &cap, len, sizeof *buf)) { r = TOK_E_NOMEM; break; }
        const uint8_t *p = strtab_bytes(&c->s, k);
        for (size_t i = 0; i < len; i++) buf[i] = byte_ids[p[i]];
        size_t n = len;
        if (m) {
            size_t need = tok_merge_work_size(len);
            if (need > work_cap) {
                free(work);
                work = malloc(need);
                if (!work) { r = TOK_E_NOMEM; break; }
                work_cap = need;
            }
            n = tok_merge_word(m, buf, NULL, len, work);
        }
        r = tok_bpe_trainer_add_word(t, buf, n, c->counts[k]);
    }
    free(buf);
    free(work);
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

/* The length of token a's bytes followed by token b's, in max_length's units: in characters, a
 * continuation byte that starts b completes a's last character instead of starting one. */
static inline uint64_t joined_units(const tok_bpe_trainer *t, uint32_t a, uint32_t b) {
    uint64_t u = (uint64_t)t->units[a] + t->units[b];
    if (t->char_units && u && t->units[a] && t->toks.e[b].len && (strtab_bytes(&t->toks, b)[0] & 0xC0) == 0x80) u--;
    return u;
}

static inline int pair_allowed(const tok_bpe_trainer *t, uint32_t a, uint32_t b) {
    if (joined_units(t, a, b) > t->max_length) return 0;
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

int tok_bpe_trainer_count_characters(tok_bpe_trainer *t) {
    if (t->started) return TOK_E_CAPACITY;
    t->char_units = 1;
    return 0;
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
        if (t->toks.n >= t->vocab_size || t->heap_n == 0) {
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
        size_t la = t->toks.e[a].len, lb = t->toks.e[b].len;
        if (grow_array((void **)&buf, &buf_cap, la + lb, 1)) goto nomem;
        memcpy(buf, strtab_bytes(&t->toks, a), la);
        memcpy(buf + la, strtab_bytes(&t->toks, b), lb);
        uint64_t h = tok__hash(buf, la + lb);
        int64_t m = strtab_find(&t->toks, buf, la + lb, h);
        if (m < 0) m = tok_append(t, buf, la + lb, h, (uint32_t)joined_units(t, a, b));
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

uint32_t tok_bpe_trainer_vocab_size(const tok_bpe_trainer *t) { return (uint32_t)t->toks.n; }

const uint8_t *tok_bpe_trainer_token(const tok_bpe_trainer *t, uint32_t id, size_t *len) {
    if (id >= t->toks.n) return NULL;
    *len = t->toks.e[id].len;
    return strtab_bytes(&t->toks, id);
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

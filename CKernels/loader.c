/*
 * loader.c — the vocabulary and merges of a tokenizer.json, read in C (see tok_loader.h).
 */
#include "tok_loader.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tok_internal.h"

#define MAX_DEPTH 512

typedef struct {
    const uint8_t *s;
    size_t i, end;
    size_t err_pos;
    const char *why;
} cursor;

static int fail(cursor *c, const char *why) {
    c->err_pos = c->i;
    c->why = why;
    return TOK_E_JSON;
}

static inline void skip_ws(cursor *c) {
    while (c->i < c->end) {
        uint8_t b = c->s[c->i];
        if (b != ' ' && b != '\t' && b != '\n' && b != '\r') return;
        c->i++;
    }
}

/* Opens the container at the cursor: 1 when it is empty (and now closed), 0 when an item
 * follows, or TOK_E_JSON with `why` when `open` is not there. */
static int open_items(cursor *c, uint8_t open, uint8_t close, const char *why) {
    skip_ws(c);
    if (c->i >= c->end || c->s[c->i] != open) return fail(c, why);
    c->i++;
    skip_ws(c);
    if (c->i < c->end && c->s[c->i] == close) { c->i++; return 1; }
    return 0;
}

/* After an item of a container closed by `close`: 0 past a ',' (another item follows), 1 past
 * the close, or TOK_E_JSON. */
static int next_item(cursor *c, uint8_t close) {
    skip_ws(c);
    if (c->i >= c->end) return fail(c, "unexpected end");
    if (c->s[c->i] == ',') { c->i++; return 0; }
    if (c->s[c->i] == close) { c->i++; return 1; }
    return fail(c, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
}

static int hex4(cursor *c, uint32_t *v) {
    if (c->end - c->i < 4) return fail(c, "short \\u escape");
    uint32_t x = 0;
    for (int k = 0; k < 4; k++) {
        uint8_t b = c->s[c->i++];
        uint32_t d;
        if (b >= '0' && b <= '9') d = b - '0';
        else if (b >= 'A' && b <= 'F') d = b - 'A' + 10;
        else if (b >= 'a' && b <= 'f') d = b - 'a' + 10;
        else { c->i--; return fail(c, "bad \\u escape"); }
        x = x << 4 | d;
    }
    *v = x;
    return 0;
}

static size_t put_utf8(uint8_t *o, uint32_t cp) {
    if (cp < 0x80) { o[0] = (uint8_t)cp; return 1; }
    if (cp < 0x800) { o[0] = (uint8_t)(0xC0 | cp >> 6); o[1] = (uint8_t)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | cp >> 12); o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | cp >> 18); o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* A growable byte buffer for unescaped strings. */
typedef struct { uint8_t *p; size_t len, cap; } buf;

static int buf_reserve(buf *b, size_t extra) { return tok__reserve_bytes(&b->p, &b->cap, b->len, extra, 256); }

/*
 * Reads the string at the cursor (which is at its opening quote). Without escapes the result
 * points into the text; with them, the unescaped bytes are appended to `out` and the result
 * is *off_in_out (an offset into out, since out may move) with *in_out = 1.
 */
static int read_string(cursor *c, buf *out, const uint8_t **p, size_t *n, size_t *off_in_out, int *in_out) {
    if (c->i >= c->end || c->s[c->i] != '"') return fail(c, "expected a string");
    size_t start = ++c->i;
    while (c->i < c->end) {
        uint8_t b = c->s[c->i];
        if (b == '"') {
            *p = c->s + start;
            *n = c->i - start;
            *in_out = 0;
            c->i++;
            return 0;
        }
        if (b == '\\' || b < 0x20) break;
        c->i++;
    }
    if (c->i >= c->end) return fail(c, "unterminated string");
    if (c->s[c->i] < 0x20) return fail(c, "control character in a string");
    /* escapes: copy what came before, then decode */
    size_t off = out->len;
    if (buf_reserve(out, c->i - start)) return TOK_E_NOMEM;
    memcpy(out->p + out->len, c->s + start, c->i - start);
    out->len += c->i - start;
    for (;;) {
        if (c->i >= c->end) return fail(c, "unterminated string");
        uint8_t b = c->s[c->i];
        if (b == '"') { c->i++; break; }
        if (b < 0x20) return fail(c, "control character in a string");
        if (buf_reserve(out, 8)) return TOK_E_NOMEM;
        if (b != '\\') { out->p[out->len++] = b; c->i++; continue; }
        c->i++;
        if (c->i >= c->end) return fail(c, "unterminated escape");
        uint8_t e = c->s[c->i++];
        switch (e) {
        case '"': case '\\': case '/': out->p[out->len++] = e; break;
        case 'b': out->p[out->len++] = 0x08; break;
        case 'f': out->p[out->len++] = 0x0C; break;
        case 'n': out->p[out->len++] = 0x0A; break;
        case 'r': out->p[out->len++] = 0x0D; break;
        case 't': out->p[out->len++] = 0x09; break;
        case 'u': {
            uint32_t cp;
            if (hex4(c, &cp)) return TOK_E_JSON;
            if (cp >= 0xD800 && cp < 0xDC00) {
                /* a high surrogate: a low one must follow to make a scalar */
                if (c->end - c->i >= 6 && c->s[c->i] == '\\' && c->s[c->i + 1] == 'u') {
                    size_t save = c->i;
                    c->i += 2;
                    uint32_t lo;
                    if (hex4(c, &lo)) return TOK_E_JSON;
                    if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    else { c->i = save; cp = 0xFFFD; }
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                cp = 0xFFFD;
            }
            out->len += put_utf8(out->p + out->len, cp);
            break;
        }
        default: c->i--; return fail(c, "unknown escape");
        }
    }
    *p = NULL;
    *n = out->len - off;
    *off_in_out = off;
    *in_out = 1;
    return 0;
}

static int skip_value(cursor *c, int depth);

/* Skips the string at the cursor (at its opening quote) without decoding it: the end is found
 * with memchr. Control characters are not checked here (the readers that later read a skipped
 * section check them, as the generic reader does). */
static int skip_string(cursor *c) {
    if (c->i >= c->end || c->s[c->i] != '"') return fail(c, "expected a string");
    const uint8_t *p = c->s + c->i + 1, *e = c->s + c->end;
    for (;;) {
        const uint8_t *q = memchr(p, '"', (size_t)(e - p));
        if (!q) { c->i = c->end; return fail(c, "unterminated string"); }
        const uint8_t *r = memchr(p, '\\', (size_t)(q - p));
        if (!r) { c->i = (size_t)(q - c->s) + 1; return 0; }
        if (r + 1 >= e) { c->i = c->end; return fail(c, "unterminated escape"); }
        p = r + 2;   /* the escaped character (a quote included) is not the end */
    }
}

static int skip_items(cursor *c, uint8_t close, int object, int depth) {
    int k = open_items(c, c->s[c->i], close, "expected a container");
    if (k) return k < 0 ? k : 0;
    for (;;) {
        skip_ws(c);
        if (object) {
            int rc = skip_string(c);
            if (rc) return rc;
            skip_ws(c);
            if (c->i >= c->end || c->s[c->i] != ':') return fail(c, "expected ':'");
            c->i++;
        }
        int rc = skip_value(c, depth + 1);
        if (rc) return rc;
        if ((k = next_item(c, close))) return k < 0 ? k : 0;
    }
}

static int literal(cursor *c, const char *w) {
    size_t n = strlen(w);
    if (c->end - c->i < n || memcmp(c->s + c->i, w, n) != 0) return fail(c, "unexpected character");
    c->i += n;
    return 0;
}

static int skip_value(cursor *c, int depth) {
    if (depth > MAX_DEPTH) return fail(c, "nested too deeply");
    skip_ws(c);
    if (c->i >= c->end) return fail(c, "unexpected end");
    switch (c->s[c->i]) {
    case '{': return skip_items(c, '}', 1, depth);
    case '[': return skip_items(c, ']', 0, depth);
    case '"': return skip_string(c);
    case 't': return literal(c, "true");
    case 'f': return literal(c, "false");
    case 'n': return literal(c, "null");
    default: {
        size_t start = c->i;
        while (c->i < c->end) {
            uint8_t b = c->s[c->i];
            if ((b >= '0' && b <= '9') || b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E') c->i++;
            else break;
        }
        if (c->i == start) return fail(c, "unexpected character");
        return 0;
    }
    }
}

int64_t tok_json_skip(const uint8_t *text, size_t len, size_t pos, size_t *err_pos, const char **why) {
    cursor c = {text, pos, len, 0, NULL};
    int rc = skip_value(&c, 0);
    if (rc) { *err_pos = c.err_pos; *why = c.why; return rc; }
    return (int64_t)c.i;
}

/* Pending vocabulary entries, inserted a batch at a time with their slots prefetched. */
enum { VOCAB_BATCH = 16 };
typedef struct {
    uint64_t hash, off;   /* off: into the text, or into scratch with IN_SCRATCH set */
    uint32_t len, value;
} pending_key;

#define IN_SCRATCH (1ull << 63)

static int flush_keys(tok_strmap *map, const uint8_t *text, const buf *scratch, pending_key *p, size_t n) {
    if (tok__strmap_reserve(map, n)) return TOK_E_NOMEM;
    for (size_t k = 0; k < n; k++) tok__strmap_prefetch(map, p[k].hash);
    for (size_t k = 0; k < n; k++) {
        const uint8_t *key = (p[k].off & IN_SCRATCH) ? scratch->p + (p[k].off & ~IN_SCRATCH) : text + p[k].off;
        int rc = tok__strmap_put_h(map, key, p[k].len, p[k].value, p[k].hash);
        if (rc < 0) return rc;
    }
    return 0;
}

/* A plain non-negative integer at the cursor (a value like 5.0 or 1e3 is not one): 0 and *v
 * (saturating at 2^40), or -1 with the cursor left where it was. */
static int read_count(cursor *c, uint64_t *v) {
    size_t num = c->i;
    uint64_t x = 0;
    while (c->i < c->end && c->s[c->i] >= '0' && c->s[c->i] <= '9' && x < ((uint64_t)1 << 40)) x = x * 10 + (c->s[c->i++] - '0');
    if (c->i == num || (c->i < c->end && (c->s[c->i] == '.' || c->s[c->i] == 'e' || c->s[c->i] == 'E'
                                          || (c->s[c->i] >= '0' && c->s[c->i] <= '9')))) {
        c->i = num;
        return -1;
    }
    *v = x;
    return 0;
}

int64_t tok_json_read_vocab(const uint8_t *text, size_t start, size_t end, tok_strmap *map, int64_t *max_id,
                            size_t *err_pos, const char **why) {
    cursor c = {text, start, end, 0, NULL};
    buf scratch = {0};
    pending_key pend[VOCAB_BATCH];
    size_t npend = 0;
    int64_t count = 0, rc = 0;
    *max_id = -1;
    /* size the map once: at most one pair per ':' in the range */
    size_t colons = 0;
    for (const uint8_t *q = text + start, *e = text + end; (q = memchr(q, ':', (size_t)(e - q))) != NULL; q++) colons++;
    if (tok__strmap_reserve(map, colons)) return TOK_E_NOMEM;
    int k = open_items(&c, '{', '}', "expected an object of token → id");
    if (k) { rc = k < 0 ? k : 0; goto done; }
    for (;;) {
        skip_ws(&c);
        const uint8_t *p; size_t n, off; int in_out;
        if (npend == 0) scratch.len = 0;
        if ((rc = read_string(&c, &scratch, &p, &n, &off, &in_out))) goto done;
        if (n >= ((size_t)1 << 32)) { rc = fail(&c, "token too long"); goto done; }
        skip_ws(&c);
        if (c.i >= c.end || c.s[c.i] != ':') { rc = fail(&c, "expected ':'"); goto done; }
        c.i++;
        skip_ws(&c);
        size_t num = c.i;
        uint64_t v;
        if (read_count(&c, &v) || v >= ((uint64_t)1 << 31)) {
            c.i = num;
            rc = fail(&c, "expected an id in 0..<2^31");
            goto done;
        }
        const uint8_t *key = in_out ? scratch.p + off : p;
        pend[npend++] = (pending_key){tok__strmap_hash2(key, n, NULL, 0),
                                      in_out ? (off | IN_SCRATCH) : (uint64_t)(p - text), (uint32_t)n, (uint32_t)v};
        if (npend == VOCAB_BATCH) {
            if ((rc = flush_keys(map, text, &scratch, pend, npend))) goto done;
            npend = 0;
        }
        if ((int64_t)v > *max_id) *max_id = (int64_t)v;
        count++;
        if ((k = next_item(&c, '}')) < 0) { rc = k; goto done; }
        if (k) break;
    }
    rc = flush_keys(map, text, &scratch, pend, npend);
done:
    free(scratch.p);
    if (rc) { *err_pos = c.err_pos; *why = c.why ? c.why : "out of memory"; return rc; }
    return count;
}

/* A merge's parts: offsets into the text (escape-free) or into the scratch buffer. */
typedef struct {
    uint64_t a_off, b_off;     /* bit 63 set: the offset is into scratch */
    uint32_t a_len, b_len;
} merge_parts;

static inline const uint8_t *part_ptr(const uint8_t *text, const buf *scratch, uint64_t off) {
    return (off & IN_SCRATCH) ? scratch->p + (off & ~IN_SCRATCH) : text + off;
}

/* One string of a [A, B] merge, as merge_parts holds it, then the punctuation after it. */
static int read_part(cursor *c, buf *scratch, const uint8_t *text, uint64_t *off, uint32_t *len, uint8_t after) {
    const uint8_t *p; size_t n, o; int in_out;
    skip_ws(c);
    int rc = read_string(c, scratch, &p, &n, &o, &in_out);
    if (rc) return rc;
    *off = in_out ? (o | IN_SCRATCH) : (uint64_t)(p - text);
    *len = (uint32_t)n;
    skip_ws(c);
    if (c->i >= c->end || c->s[c->i] != after) return fail(c, "expected \"A B\" or [A, B]");
    c->i++;
    return 0;
}

/* Merges read but not yet set: parsed RING ahead of the one being resolved, so that its
 * lookups were prefetched when it was parsed; resolved ones wait SET_AHEAD more for their
 * merge-table slot. Memory stays constant however many merges there are. */
enum { RING = 8, SET_AHEAD = 8 };

typedef struct {
    merge_parts parts;
    size_t where;       /* offset of the merge in the text, for messages */
} pending_merge;

int64_t tok_json_read_merges(const uint8_t *text, size_t start, size_t end, const tok_strmap *map,
                             const uint8_t *prefix, size_t prefix_len, tok_merges *table, size_t *err_index,
                             size_t *err_pos, const char **why) {
    cursor c = {text, start, end, 0, NULL};
    buf scratch = {0};
    pending_merge ring[RING];
    uint32_t ra[SET_AHEAD], rb[SET_AHEAD], rm[SET_AHEAD];
    size_t parsed = 0, resolved = 0, set = 0;
    int64_t rc = 0;
    int closed = 0;
    *err_index = 0;
    /* size the table once: at most one merge per two quotes ("A B") or four ([A, B]) */
    {
        size_t quotes = 0;
        for (const uint8_t *q = text + start, *e = text + end; (q = memchr(q, '"', (size_t)(e - q))) != NULL; q++) quotes++;
        cursor f = c;
        skip_ws(&f);
        if (f.i < f.end) f.i++;
        skip_ws(&f);
        size_t est = f.i < f.end && f.s[f.i] == '[' ? quotes / 4 : quotes / 2;
        if (tok__merges_reserve(table, est)) return TOK_E_NOMEM;
    }
    int opened = open_items(&c, '[', ']', "expected a list");
    if (opened < 0) { rc = opened; goto done; }
    closed = opened;
    for (;;) {
        /* parse one more merge while the list lasts */
        if (!closed) {
            skip_ws(&c);
            *err_index = parsed;
            pending_merge *pm = &ring[parsed % RING];
            pm->where = c.i;
            merge_parts *mp = &pm->parts;
            const uint8_t *p; size_t len, off; int in_out;
            if (c.i < c.end && c.s[c.i] == '"') {
                size_t at = c.i + 1;
                if ((rc = read_string(&c, &scratch, &p, &len, &off, &in_out))) goto done;
                const uint8_t *base = in_out ? scratch.p + off : p;
                const uint8_t *sp = memchr(base, ' ', len);
                if (!sp) { c.i = at - 1; rc = fail(&c, "expected \"A B\""); goto done; }
                size_t k = (size_t)(sp - base);
                uint64_t o = in_out ? (off | IN_SCRATCH) : (uint64_t)(p - text);
                mp->a_off = o;
                mp->a_len = (uint32_t)k;
                mp->b_off = o + k + 1;
                mp->b_len = (uint32_t)(len - k - 1);
            } else if (c.i < c.end && c.s[c.i] == '[') {
                c.i++;
                if ((rc = read_part(&c, &scratch, text, &mp->a_off, &mp->a_len, ','))) goto done;
                if ((rc = read_part(&c, &scratch, text, &mp->b_off, &mp->b_len, ']'))) goto done;
            } else {
                rc = fail(&c, "expected \"A B\" or [A, B]");
                goto done;
            }
            const uint8_t *a = part_ptr(text, &scratch, mp->a_off), *b = part_ptr(text, &scratch, mp->b_off);
            size_t skip = prefix_len && mp->b_len >= prefix_len && memcmp(b, prefix, prefix_len) == 0 ? prefix_len : 0;
            tok__strmap_prefetch(map, tok__strmap_hash2(a, mp->a_len, NULL, 0));
            tok__strmap_prefetch(map, tok__strmap_hash2(b, mp->b_len, NULL, 0));
            tok__strmap_prefetch(map, tok__strmap_hash2(a, mp->a_len, b + skip, mp->b_len - skip));
            parsed++;
            int next = next_item(&c, ']');
            if (next < 0) { rc = next; goto done; }
            closed = next;
        }
        /* resolve the oldest parsed merge once RING - 1 newer ones are parsed (or the list ended) */
        while (resolved < parsed && (closed || parsed - resolved >= RING)) {
            const pending_merge *pm = &ring[resolved % RING];
            const merge_parts *q = &pm->parts;
            const uint8_t *a = part_ptr(text, &scratch, q->a_off), *b = part_ptr(text, &scratch, q->b_off);
            int64_t x = tok_strmap_get(map, a, q->a_len), y = tok_strmap_get(map, b, q->b_len);
            const uint8_t *tail = b;
            size_t tail_len = q->b_len;
            if (prefix_len && tail_len >= prefix_len && memcmp(tail, prefix, prefix_len) == 0) {
                tail += prefix_len;
                tail_len -= prefix_len;
            }
            int64_t z = x < 0 || y < 0 ? -1 : tok_strmap_get2(map, a, q->a_len, tail, tail_len);
            if (z < 0) {
                *err_index = resolved;
                c.err_pos = pm->where;
                c.why = x < 0 ? "the first part is not in the vocabulary"
                      : y < 0 ? "the second part is not in the vocabulary" : "the merged token is not in the vocabulary";
                rc = TOK_E_UNKNOWN_TOKEN;
                goto done;
            }
            size_t r = resolved % SET_AHEAD;
            ra[r] = (uint32_t)x; rb[r] = (uint32_t)y; rm[r] = (uint32_t)z;
            tok__merges_prefetch(table, ra[r], rb[r]);
            resolved++;
            /* set the merge resolved SET_AHEAD ago (rank = its index) */
            while (set < resolved && (resolved - set >= SET_AHEAD || (closed && resolved == parsed))) {
                size_t s2 = set % SET_AHEAD;
                if (tok_merges_set(table, ra[s2], rb[s2], (uint32_t)set, rm[s2])) { rc = TOK_E_NOMEM; goto done; }
                set++;
            }
        }
        if (closed && resolved == parsed) break;
    }
done:
    free(scratch.p);
    if (rc) { *err_pos = c.err_pos; *why = c.why ? c.why : "out of memory"; return rc; }
    return (int64_t)parsed;
}

/* GPT-2's byte-to-character alphabet, inverted: code point (< 0x144) → byte, or -1. */
static int16_t byte_of_char[0x144];
static pthread_once_t byte_of_char_once = PTHREAD_ONCE_INIT;

static void byte_level_init(void) {
    for (int i = 0; i < 0x144; i++) byte_of_char[i] = -1;
    int n = 0;
    for (int b = 0; b < 256; b++) {
        int printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        if (printable) byte_of_char[b] = (int16_t)b;
        else byte_of_char[256 + n++] = (int16_t)b;
    }
}

int64_t tok_byte_level_table(const uint8_t *arena, const uint64_t *spans, size_t n, tok_strmap *raw,
                             uint8_t *out_arena, uint64_t *out_spans) {
    pthread_once(&byte_of_char_once, byte_level_init);
    pending_key pend[VOCAB_BATCH];
    size_t npend = 0, o = 0;
    int64_t count = 0;
    if (tok__strmap_reserve(raw, n)) return TOK_E_NOMEM;
    for (size_t id = 0; id < n; id++) {
        out_spans[id] = UINT64_MAX;
        if (spans[id] == UINT64_MAX) continue;
        const uint8_t *k = arena + (spans[id] >> 32);
        size_t len = (size_t)(spans[id] & 0xFFFFFFFFu), i = 0, start = o;
        int ok = 1;
        while (i < len) {
            uint32_t v;
            if (k[i] < 0x80) { v = k[i]; i++; }
            else if (k[i] >= 0xC2 && k[i] <= 0xDF && i + 1 < len && (k[i + 1] & 0xC0) == 0x80) {
                v = (uint32_t)(k[i] & 0x1F) << 6 | (k[i + 1] & 0x3F);
                i += 2;
            } else { ok = 0; break; }
            if (v >= 0x144 || byte_of_char[v] < 0) { ok = 0; break; }
            out_arena[o++] = (uint8_t)byte_of_char[v];
        }
        if (!ok) { o = start; continue; }
        out_spans[id] = (uint64_t)start << 32 | (uint64_t)(o - start);
        pend[npend++] = (pending_key){tok__strmap_hash2(out_arena + start, o - start, NULL, 0), start,
                                      (uint32_t)(o - start), (uint32_t)id};
        count++;
        if (npend == VOCAB_BATCH) {
            int rc = flush_keys(raw, out_arena, NULL, pend, npend);
            if (rc) return rc;
            npend = 0;
        }
    }
    int rc = flush_keys(raw, out_arena, NULL, pend, npend);
    return rc ? rc : count;
}

size_t tok_strmap_by_value(const tok_strmap *map, const uint8_t **ptrs, uint32_t *lens, size_t cap) {
    size_t count = 0;
    for (size_t j = 0; j <= map->mask; j++) {
        const strmap_slot *e = &map->slots[j];
        if (!e->hash) continue;
        count++;
        if (e->value < cap) { ptrs[e->value] = tok__strmap_key(map, e); lens[e->value] = e->len; }
    }
    return count;
}

/* ---- Tekken ------------------------------------------------------------------------------ */

/* The key at the cursor is `name` (its raw bytes, no escapes in the names compared). */
static int key_is(const uint8_t *p, size_t n, const char *name) {
    size_t k = strlen(name);
    return n == k && memcmp(p, name, k) == 0;
}

int64_t tok_tekken_read_vocab(const uint8_t *text, size_t start, size_t end, uint32_t n, uint8_t *arena,
                              uint64_t *spans, size_t *arena_len, size_t *err_index, int *err_field,
                              uint64_t *err_detail, size_t *err_pos, const char **why) {
    cursor c = {text, start, end, 0, NULL};
    buf scratch = {0};
    int64_t count = 0, rc = 0;
    size_t out = 0;
    *err_field = 0;
    *err_detail = 0;
    for (uint32_t r = 0; r < n; r++) spans[r] = UINT64_MAX;
    int k = open_items(&c, '[', ']', "expected an array of tokens");
    if (k) { rc = k < 0 ? k : 0; goto done; }
    for (;;) {
        *err_index = (size_t)count;
        size_t obj = c.i;
        if ((k = open_items(&c, '{', '}', "expected an object")) < 0) { rc = k; goto done; }
        int64_t rank = -1;
        int has_rank = 0, has_bytes = 0;
        size_t b_off = 0, b_len = 0;     /* the token_bytes string: in the text or in scratch */
        int b_scratch = 0;
        if (!k) for (;;) {
            skip_ws(&c);
            const uint8_t *kp; size_t kn, koff; int kin;
            scratch.len = b_scratch ? scratch.len : 0;
            if ((rc = read_string(&c, &scratch, &kp, &kn, &koff, &kin))) goto done;
            if (kin) kp = scratch.p + koff;
            int is_rank = key_is(kp, kn, "rank"), is_bytes = key_is(kp, kn, "token_bytes");
            skip_ws(&c);
            if (c.i >= c.end || c.s[c.i] != ':') { rc = fail(&c, "expected ':'"); goto done; }
            c.i++;
            skip_ws(&c);
            if (is_rank) {
                size_t num = c.i;
                uint64_t v;
                int neg = c.i < c.end && c.s[c.i] == '-';
                if (neg) c.i++;
                if (read_count(&c, &v)) {
                    c.i = num;
                    *err_field = 1;
                    rc = fail(&c, "not an integer rank");
                    goto done;
                }
                rank = neg ? -1 : (v >= ((uint64_t)1 << 31) ? ((int64_t)1 << 31) : (int64_t)v);
                *err_detail = neg ? (uint64_t)-1 : v;
                has_rank = 1;
            } else if (is_bytes) {
                const uint8_t *p; size_t len, off; int in;
                size_t before = scratch.len;
                if ((rc = read_string(&c, &scratch, &p, &len, &off, &in))) { *err_field = 2; goto done; }
                if (in) { b_off = off; b_scratch = 1; } else { b_off = (size_t)(p - text); scratch.len = before; }
                b_len = len;
                has_bytes = 1;
            } else {
                if ((rc = skip_value(&c, 1))) goto done;
            }
            if ((k = next_item(&c, '}')) < 0) { rc = k; goto done; }
            if (k) break;
        }
        if (!has_rank) { c.i = obj; *err_field = 1; rc = fail(&c, "missing"); goto done; }
        if (rank < 0 || (rank < (int64_t)n && spans[rank] != UINT64_MAX)) {
            c.i = obj; *err_field = 1; rc = fail(&c, "repeated"); goto done;
        }
        if (rank < (int64_t)n) {
            const uint8_t *b = b_scratch ? scratch.p + b_off : text + b_off;
            long nb = has_bytes ? tok__b64_decode(b, b_len, arena + out) : -1;
            if (nb <= 0 || nb >= ((long)1 << 31)) { c.i = obj; *err_field = 2; rc = fail(&c, "not base64 bytes"); goto done; }
            spans[rank] = TOK_SPAN(out, (uint32_t)nb);
            out += (size_t)nb;
        }
        b_scratch = 0;
        scratch.len = 0;
        count++;
        if ((k = next_item(&c, ']')) < 0) { rc = k; goto done; }
        if (k) break;
    }
done:
    free(scratch.p);
    *arena_len = out;
    if (rc) { *err_pos = c.err_pos; *why = c.why ? c.why : "out of memory"; return rc; }
    return count;
}

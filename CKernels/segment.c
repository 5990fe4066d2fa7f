/*
 * segment.c — UAX #29 word boundaries and the HAT splitting rule, as one streaming pass.
 *
 * Layers, each pulling from the one below with one item of look-ahead:
 *   characters ─► pieces ─► tokens ─► words ─► chunks (max_bytes)
 *
 * Pieces. In word-bounds mode a piece is a UAX #29 segment (rules WB1–WB999 of Unicode 16.0). In
 * HAT mode a piece is a segment further cut between a lowercase letter (Ll) and an uppercase letter
 * (Lu) that follow each other, and after every punctuation character (P).
 * Tokens (HAT). A piece that is exactly one space joins a preceding token made only of spaces.
 * Each token then has a type: Space (" "), Whitespace (all White_Space), Punctuation (a single P
 * character) or Word (anything else).
 * Words (HAT). A token joins the current word when it is a Word after a Space, or a Punctuation
 * after a Space, Word or Punctuation; otherwise it starts a new word. So a word is
 * [space][word]punctuation*, and other white space stands alone.
 * Chunks. A word longer than max_bytes is cut at the last character boundary within the limit, or
 * at the limit itself (inside a character) when the first character is longer than the limit.
 */
#include "tok_segment.h"
#include "tok_swar.h"
#include "tok_unicode.h"

#include <string.h>

/* Piece / token flags. */
enum {
    PF_SINGLE_SPACE = 1, /* exactly " " */
    PF_ALL_SPACES = 2,   /* only U+0020 */
    PF_ALL_WS = 4,       /* only White_Space */
    PF_SINGLE_PUNCT = 8, /* one character, punctuation */
};

enum { T_SPACE, T_WHITESPACE, T_PUNCT, T_WORD };

static inline int tok_type(uint8_t f) {
    if (f & PF_SINGLE_SPACE) return T_SPACE;
    if (f & PF_ALL_WS) return T_WHITESPACE;
    if (f & PF_SINGLE_PUNCT) return T_PUNCT;
    return T_WORD;
}

/* Properties and length of the character at s[i] (i < len). Invalid units have no properties. */
static inline __attribute__((always_inline)) uint16_t char_at(const uint8_t *s, size_t len, size_t i, size_t *clen) {
    uint8_t b = s[i];
    if (b < 0x80) { *clen = 1; return tok_seg_ascii[b]; }
    /* well-formed two- and three-byte characters (most non-ASCII text) without tok_utf8_at's
     * class lookup; anything else goes the general way */
    unsigned m;
    const uint32_t cp = tok_utf8_bmp_at(s, len, i, &m);
    if (cp != UINT32_MAX) {
        *clen = m;
        return tok_seg_props(cp);
    }
    tok_char c = tok_utf8_at(s, len, i);
    *clen = c.len;
    return (c.cls & TOK_CLS_INVALID) ? 0 : tok_seg_props(c.cp);
}

/* ASCII letter and digit classes for the fast path: 1 lowercase, 2 uppercase, 4 digit. */
enum { AC_LOWER = 1, AC_UPPER = 2, AC_DIGIT = 4 };
#define R10(x) x, x, x, x, x, x, x, x, x, x
static const uint8_t ascii_class[256] = {
    R10(0), R10(0), R10(0), R10(0), 0, 0, 0, 0, 0, 0, 0, 0,              /* 0x00-0x2F */
    R10(AC_DIGIT), 0, 0, 0, 0, 0, 0, 0,                                /* 0x30-0x40 */
    R10(AC_UPPER), R10(AC_UPPER), AC_UPPER, AC_UPPER, AC_UPPER, AC_UPPER, AC_UPPER, AC_UPPER, /* A-Z */
    0, 0, 0, 0, 0, 0,                                                  /* 0x5B-0x60 */
    R10(AC_LOWER), R10(AC_LOWER), AC_LOWER, AC_LOWER, AC_LOWER, AC_LOWER, AC_LOWER, AC_LOWER, /* a-z */
};
#undef R10
static inline int is_lower(uint8_t b) { return ascii_class[b] & AC_LOWER; }
static inline int is_upper(uint8_t b) { return ascii_class[b] & AC_UPPER; }
static inline int is_alnum(uint8_t b) { return ascii_class[b] != 0; }

/* End of the run of ASCII letters and digits from i, where the byte before i is one
 * (`prev_lower`: a lowercase letter); in HAT mode the run also ends before an uppercase letter
 * that follows a lowercase one. Eight bytes a step: a word of up to eight letters is one step. */
static inline __attribute__((always_inline)) size_t alnum_run(const uint8_t *s, size_t len, size_t i, int hat,
                                                              int prev_lower) {
    uint64_t carry = prev_lower ? 0x80 : 0;
    while (i + 8 <= len) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t lo = tok__between(w, 'a' - 1, 'z' + 1), up = tok__between(w, 'A' - 1, 'Z' + 1);
        uint64_t stop = ~(lo | up | tok__between(w, '0' - 1, '9' + 1)) & TOK_HIGHS;
        if (hat) stop |= up & ((lo << 8) | carry);   /* an uppercase letter right after a lowercase one */
        if (stop) return i + (size_t)(__builtin_ctzll(stop) >> 3);
        carry = lo >> 56;
        i += 8;
    }
    uint8_t prevc = carry ? AC_LOWER : 0, c;
    while (i < len && (c = ascii_class[s[i]]) != 0 && !(hat && (c & AC_UPPER) && (prevc & AC_LOWER))) {
        prevc = c;
        i++;
    }
    return i;
}

#define WB_BIT(v) (1u << TOK_WB_##v)
static inline int is_ignorable(unsigned wb) {
    return (1u << wb) & (WB_BIT(EXTEND) | WB_BIT(FORMAT) | WB_BIT(ZWJ));
}
static inline int is_newline(unsigned wb) {
    return (1u << wb) & (WB_BIT(CR) | WB_BIT(LF) | WB_BIT(NEWLINE));
}
static inline int is_ah(unsigned wb) {
    return (1u << (wb & 31)) & (WB_BIT(ALETTER) | WB_BIT(HEBREW_LETTER));
}
static inline int is_midnumletq(unsigned wb) {
    return (1u << wb) & (WB_BIT(MIDNUMLET) | WB_BIT(SINGLE_QUOTE));
}

/* Word_Break value of the first character at or after `i` that WB4 does not skip; 0xFF at the end. */
static unsigned next_effective(const uint8_t *s, size_t len, size_t i) {
    while (i < len) {
        size_t cl;
        unsigned wb = char_at(s, len, i, &cl) & TOK_SEG_WB_MASK;
        if (!is_ignorable(wb)) return wb;
        i += cl;
    }
    return 0xFF;
}

/* UAX #29: is there a word boundary before the character with properties `p` at it->pos
 * (of length `cl`)? Requires a previous character. */
static int wb_break(const tok_seg_iter *it, uint16_t p, size_t cl) {
    unsigned rp = it->raw_prev & TOK_SEG_WB_MASK, c = p & TOK_SEG_WB_MASK;
    /* Shortcuts for spaces (the commonest boundary), derived from the rules below: a WSegSpace
     * joins only a raw WSegSpace before it (WB3d) and no rule after WB4 names WSegSpace; after a
     * raw WSegSpace (the effective previous character too), only WB3d and WB4 can join. */
    if (c == TOK_WB_WSEGSPACE) return rp != TOK_WB_WSEGSPACE;
    if (rp == TOK_WB_WSEGSPACE) return !is_ignorable(c);
    /* Letters after letters (WB5) and marks/format/ZWJ after anything but a line break (WB3a,
     * WB4): the commonest cases inside words, decided before the full chain. A letter is never
     * a line break, ZWJ-joined pictograph or space, so no earlier rule can apply to it. */
    if (is_ignorable(c)) return is_newline(rp) ? 1 : 0;
    if (is_ah(c) && is_ah(it->prev) && !is_newline(rp)) return 0;
    if (rp == TOK_WB_CR && c == TOK_WB_LF) return 0;                 /* WB3 */
    if (is_newline(rp) || is_newline(c)) return 1;                   /* WB3a, WB3b */
    if (rp == TOK_WB_ZWJ && (p & TOK_SEG_EXTPICT)) return 0;         /* WB3c */
    if (rp == TOK_WB_WSEGSPACE && c == TOK_WB_WSEGSPACE) return 0;   /* WB3d */
    if (is_ignorable(c)) return 0;                                   /* WB4 */
    unsigned pv = it->prev, p2 = it->prev2;
    if (is_ah(pv)) {
        if (is_ah(c)) return 0;                                      /* WB5 */
        if ((c == TOK_WB_MIDLETTER || is_midnumletq(c))
            && is_ah(next_effective(it->s, it->len, it->pos + cl))) return 0;   /* WB6 */
        if (c == TOK_WB_NUMERIC) return 0;                           /* WB9 */
        if (c == TOK_WB_EXTENDNUMLET) return 0;                      /* WB13a */
    }
    if ((pv == TOK_WB_MIDLETTER || is_midnumletq(pv)) && is_ah(p2) && is_ah(c)) return 0; /* WB7 */
    if (pv == TOK_WB_HEBREW_LETTER) {
        if (c == TOK_WB_SINGLE_QUOTE) return 0;                      /* WB7a */
        if (c == TOK_WB_DOUBLE_QUOTE
            && next_effective(it->s, it->len, it->pos + cl) == TOK_WB_HEBREW_LETTER) return 0; /* WB7b */
    }
    if (pv == TOK_WB_DOUBLE_QUOTE && p2 == TOK_WB_HEBREW_LETTER && c == TOK_WB_HEBREW_LETTER)
        return 0;                                                    /* WB7c */
    if (pv == TOK_WB_NUMERIC) {
        if (c == TOK_WB_NUMERIC || is_ah(c)) return 0;               /* WB8, WB10 */
        if ((c == TOK_WB_MIDNUM || is_midnumletq(c))
            && next_effective(it->s, it->len, it->pos + cl) == TOK_WB_NUMERIC) return 0;  /* WB12 */
        if (c == TOK_WB_EXTENDNUMLET) return 0;                      /* WB13a */
    }
    if ((pv == TOK_WB_MIDNUM || is_midnumletq(pv)) && p2 == TOK_WB_NUMERIC && c == TOK_WB_NUMERIC)
        return 0;                                                    /* WB11 */
    if (pv == TOK_WB_KATAKANA && (c == TOK_WB_KATAKANA || c == TOK_WB_EXTENDNUMLET)) return 0; /* WB13, WB13a */
    if (pv == TOK_WB_EXTENDNUMLET
        && (c == TOK_WB_EXTENDNUMLET || is_ah(c) || c == TOK_WB_NUMERIC || c == TOK_WB_KATAKANA))
        return 0;                                                    /* WB13a, WB13b */
    if (pv == TOK_WB_RI && c == TOK_WB_RI && it->ri_odd) return 0;   /* WB15, WB16 */
    return 1;                                                        /* WB999 */
}

/* Consumes a character with properties `p` into the boundary state. */
static inline void advance(tok_seg_iter *it, uint16_t p) {
    unsigned wb = p & TOK_SEG_WB_MASK;
    if (!(is_ignorable(wb) && !it->at_start && !is_newline(it->raw_prev & TOK_SEG_WB_MASK))) {
        it->prev2 = it->prev;
        it->prev = (uint8_t)wb;
        it->ri_odd = wb == TOK_WB_RI ? (uint8_t)!it->ri_odd : 0;
    }
    it->raw_prev = p;
    it->at_start = 0;
}

static inline uint8_t char_flags(uint16_t p, size_t cl, uint8_t b0) {
    uint8_t f = 0;
    if (cl == 1 && b0 == ' ') f |= PF_SINGLE_SPACE | PF_ALL_SPACES;
    if (p & TOK_SEG_WSPACE) f |= PF_ALL_WS;
    if (p & TOK_SEG_PUNCT) f |= PF_SINGLE_PUNCT;
    return f;
}

/* The next piece [*ps, *pe); 0 at the end of the input. */
static inline __attribute__((always_inline)) int next_piece(tok_seg_iter *it, size_t *ps, size_t *pe, uint8_t *pf) {
    const uint8_t *s = it->s;
    size_t len = it->len;
    if (it->pos >= len) return 0;
    int hat = it->mode == TOK_SEG_MODE_HAT;
    size_t start = it->pos, cl;
    uint16_t p;
    uint8_t f;
    uint8_t b0 = s[start];
    if (ascii_class[b0] || b0 == ' ') {
        /* Piece-start fast paths (a piece starts after a boundary, whatever came before):
         * a run of ASCII letters and digits (cut between lowercase and uppercase in HAT mode),
         * or a run of spaces (WB3d). The state is left as consuming each character would. */
        size_t e = start + 1;
        if (b0 == ' ') {
            while (e < len && s[e] == ' ') e++;
            f = e - start == 1 ? (PF_SINGLE_SPACE | PF_ALL_SPACES | PF_ALL_WS) : (PF_ALL_SPACES | PF_ALL_WS);
        } else {
            e = alnum_run(s, len, e, hat, is_lower(b0));
            f = 0;
        }
        uint16_t last = tok_seg_ascii[s[e - 1]];
        it->prev2 = e - start >= 2 ? (uint8_t)(tok_seg_ascii[s[e - 2]] & TOK_SEG_WB_MASK) : it->prev;
        it->prev = (uint8_t)(last & TOK_SEG_WB_MASK);
        it->ri_odd = 0;
        it->raw_prev = last;
        it->at_start = 0;
        it->pos = e;
        /* The commonest boundaries, decided without the rules: after spaces, any ASCII character
         * but a space breaks (WB3d joins only spaces, and no ASCII character is ignorable under
         * WB4); after letters or digits, a space breaks (WB3d, WB999). */
        if (e < len && s[e] < 0x80 && (b0 == ' ' ? s[e] != ' ' : s[e] == ' ')) {
            *ps = start;
            *pe = e;
            *pf = f;
            return 1;
        }
    } else {
        p = char_at(s, len, it->pos, &cl);
        f = char_flags(p, cl, b0);
        advance(it, p);
        it->pos += cl;
        if (hat && (p & TOK_SEG_PUNCT)) {   /* HAT: a break after every punctuation character */
            *ps = start;
            *pe = it->pos;
            *pf = f;
            return 1;
        }
    }
    while (it->pos < len) {
        uint8_t b = s[it->pos];
        if (is_alnum(b) && !(it->raw_prev & TOK_SEG_PUNCT)
            && !is_newline(it->raw_prev & TOK_SEG_WB_MASK) && (is_ah(it->prev) || it->prev == TOK_WB_NUMERIC)
            && !(hat && is_upper(b) && (it->raw_prev & TOK_SEG_LL))) {
            /* Fast path: ASCII letters and digits after a letter or digit never break (WB5, WB8,
             * WB9, WB10) except, in HAT mode, between a lowercase and an uppercase letter. Consume
             * the run and leave the state as the general path would. */
            size_t e = alnum_run(s, len, it->pos + 1, hat, is_lower(b));
            uint16_t last = tok_seg_ascii[s[e - 1]];
            it->prev2 = e - it->pos >= 2 ? (uint8_t)(tok_seg_ascii[s[e - 2]] & TOK_SEG_WB_MASK) : it->prev;
            it->prev = (uint8_t)(last & TOK_SEG_WB_MASK);
            it->ri_odd = 0;
            it->raw_prev = last;
            it->pos = e;
            f &= (uint8_t)~(PF_SINGLE_SPACE | PF_SINGLE_PUNCT | PF_ALL_SPACES | PF_ALL_WS);
            if (e < len && ((hat && is_upper(s[e]) && is_lower(s[e - 1])) || s[e] == ' ')) break;
            continue;
        }
        p = char_at(s, len, it->pos, &cl);
        if (hat && ((it->raw_prev & TOK_SEG_PUNCT)
                    || ((it->raw_prev & TOK_SEG_LL) && (p & TOK_SEG_LU)))) break;
        if (wb_break(it, p, cl)) break;
        /* A second character: no longer a single space or a single punctuation mark. */
        f &= (uint8_t)~(PF_SINGLE_SPACE | PF_SINGLE_PUNCT);
        if (!(cl == 1 && s[it->pos] == ' ')) f &= (uint8_t)~PF_ALL_SPACES;
        if (!(p & TOK_SEG_WSPACE)) f &= (uint8_t)~PF_ALL_WS;
        advance(it, p);
        it->pos += cl;
    }
    *ps = start;
    *pe = it->pos;
    *pf = f;
    return 1;
}

/* HAT tokens: pieces with single spaces joined to preceding all-space tokens. */
static inline __attribute__((always_inline)) int next_token(tok_seg_iter *it, size_t *ts, size_t *te, uint8_t *tf) {
    if (!it->has_piece) {
        if (!next_piece(it, &it->piece_s, &it->piece_e, &it->piece_flags)) return 0;
    }
    *ts = it->piece_s;
    *te = it->piece_e;
    *tf = it->piece_flags;
    it->has_piece = 0;
    while (next_piece(it, &it->piece_s, &it->piece_e, &it->piece_flags)) {
        if ((it->piece_flags & PF_SINGLE_SPACE) && (*tf & PF_ALL_SPACES)) {
            *te = it->piece_e;
            *tf = PF_ALL_SPACES | PF_ALL_WS;
            continue;
        }
        it->has_piece = 1;
        break;
    }
    return 1;
}

/* HAT words: tokens grouped as [space][word]punctuation*. */
static int next_word(tok_seg_iter *it, size_t *ws, size_t *we) {
    if (it->mode != TOK_SEG_MODE_HAT) {
        uint8_t f;
        return next_piece(it, ws, we, &f);
    }
    if (!it->has_tok) {
        if (!next_token(it, &it->tok_s, &it->tok_e, &it->tok_flags)) return 0;
    }
    *ws = it->tok_s;
    *we = it->tok_e;
    int last = tok_type(it->tok_flags);
    it->has_tok = 0;
    while (next_token(it, &it->tok_s, &it->tok_e, &it->tok_flags)) {
        int t = tok_type(it->tok_flags);
        if ((last == T_SPACE && t == T_WORD)
            || ((last == T_SPACE || last == T_WORD || last == T_PUNCT) && t == T_PUNCT)) {
            *we = it->tok_e;
            last = t;
            continue;
        }
        it->has_tok = 1;
        break;
    }
    return 1;
}

int tok_seg_init(tok_seg_iter *it, const uint8_t *s, size_t len, int mode, size_t max_bytes) {
    *it = (tok_seg_iter){0};
    it->at_start = 1;
    if ((mode != TOK_SEG_MODE_WORD_BOUNDS && mode != TOK_SEG_MODE_HAT)
        || (max_bytes && mode != TOK_SEG_MODE_HAT) || (!s && len)) {
        it->mode = 0;
        return -1;
    }
    it->s = s;
    it->len = len;
    it->mode = mode;
    it->max_bytes = max_bytes;
    return 0;
}

size_t tok_seg_fill(tok_seg_iter *it, size_t *ends, size_t cap) {
    size_t n = 0;
    if (!it->mode) return 0;
    while (n < cap) {
        if (it->has_chunk) {
            size_t s = it->chunk_s, e = it->chunk_e, max = it->max_bytes;
            if (e - s <= max) {
                ends[n++] = e;
                it->has_chunk = 0;
                continue;
            }
            size_t lim = s + max, best = 0, cb = it->chunk_cb;
            while (cb <= lim) {       /* cb <= lim < e: a character starts at cb */
                best = cb;
                size_t cl;
                (void)char_at(it->s, it->len, cb, &cl);
                cb += cl;
            }
            size_t cut = best ? best : lim;
            ends[n++] = cut;
            it->chunk_s = cut;
            it->chunk_cb = cb;
            continue;
        }
        size_t ws, we;
        if (!next_word(it, &ws, &we)) break;
        if (it->max_bytes && we - ws > it->max_bytes) {
            size_t cl;
            (void)char_at(it->s, it->len, ws, &cl);
            it->has_chunk = 1;
            it->chunk_s = ws;
            it->chunk_e = we;
            it->chunk_cb = ws + cl;
            continue;
        }
        ends[n++] = we;
    }
    return n;
}

size_t tok_seg_count(const uint8_t *s, size_t len, int mode, size_t max_bytes) {
    tok_seg_iter it;
    if (tok_seg_init(&it, s, len, mode, max_bytes) != 0) return (size_t)-1;
    size_t buf[256], total = 0, k;
    while ((k = tok_seg_fill(&it, buf, 256)) > 0) total += k;
    return total;
}

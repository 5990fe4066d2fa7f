/* icu_glue.c — the few ICU calls the core needs, in C because ICU's symbols are versioned. */
#include "tok_support.h"
#include "tok_unicode.h"

#include <unicode/uchar.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>
#include <unicode/uscript.h>
#include <pthread.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

int tok_icu_is_assigned(uint32_t cp) { return u_charType((UChar32)cp) != U_UNASSIGNED; }

uint8_t tok_icu_class(uint32_t cp) {
    int8_t t = u_charType((UChar32)cp);
    uint8_t c = 0;
    int letter = t == U_UPPERCASE_LETTER || t == U_LOWERCASE_LETTER || t == U_TITLECASE_LETTER ||
                 t == U_MODIFIER_LETTER || t == U_OTHER_LETTER;
    int mark = t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK || t == U_COMBINING_SPACING_MARK;
    if (letter) c |= TOK_CLS_L;
    if (mark) c |= TOK_CLS_M;
    if (t == U_DECIMAL_DIGIT_NUMBER || t == U_LETTER_NUMBER || t == U_OTHER_NUMBER) c |= TOK_CLS_N;
    if (u_hasBinaryProperty((UChar32)cp, UCHAR_WHITE_SPACE)) c |= TOK_CLS_WS;
    if (t == U_UPPERCASE_LETTER || t == U_TITLECASE_LETTER || t == U_MODIFIER_LETTER ||
        t == U_OTHER_LETTER || mark) c |= TOK_CLS_UC;
    if (t == U_LOWERCASE_LETTER || t == U_MODIFIER_LETTER || t == U_OTHER_LETTER || mark)
        c |= TOK_CLS_LC;
    if (t == U_DASH_PUNCTUATION || t == U_START_PUNCTUATION || t == U_END_PUNCTUATION ||
        t == U_CONNECTOR_PUNCTUATION || t == U_OTHER_PUNCTUATION || t == U_INITIAL_PUNCTUATION ||
        t == U_FINAL_PUNCTUATION || t == U_MATH_SYMBOL || t == U_CURRENCY_SYMBOL ||
        t == U_MODIFIER_SYMBOL || t == U_OTHER_SYMBOL)
        c |= TOK_CLS_PS;
    return c;
}


/* The script of the word s[a..b): its first character whose script is not Common or Inherited,
 * or -1. */
static int32_t word_script(const uint8_t *s, size_t len, size_t a, size_t b) {
    for (size_t i = a; i < b;) {
        tok_char c = tok_utf8_at(s, len, i);
        UErrorCode err = U_ZERO_ERROR;
        UScriptCode code = (c.cls & TOK_CLS_INVALID) ? USCRIPT_UNKNOWN : uscript_getScript((UChar32)c.cp, &err);
        if (U_SUCCESS(err) && code != USCRIPT_COMMON && code != USCRIPT_INHERITED) return code;
        i += c.len;
    }
    return -1;
}

int64_t tok_icu_script_runs_of_words(const uint8_t *s, size_t len, const uint32_t *words, size_t nw,
                                     uint32_t **starts, int32_t **scripts) {
    *starts = NULL;
    *scripts = NULL;
    if (len == 0) return 0;
    /* at most one run a word, and one when no word has a script */
    size_t cap = nw + 1;
    uint32_t *st = malloc(cap * sizeof(uint32_t));
    int32_t *sc = malloc(cap * sizeof(int32_t));
    if (!st || !sc) { free(st); free(sc); return -1; }
    size_t runs = 0;
    int32_t current = -1;
    for (size_t w = 0; w < nw; w++) {
        if (words[2 * w] > words[2 * w + 1] || words[2 * w + 1] > len) { free(st); free(sc); return -3; }
        int32_t code = word_script(s, len, words[2 * w], words[2 * w + 1]);
        if (code < 0 || code == current) continue; /* Common/Inherited words keep the current run */
        st[runs] = runs == 0 ? 0 : words[2 * w];    /* text before the first scripted word joins it */
        sc[runs] = code;
        runs++;
        current = code;
    }
    if (runs == 0) {
        st[0] = 0;
        sc[0] = USCRIPT_COMMON;
        runs = 1;
    }
    *starts = st;
    *scripts = sc;
    return (int64_t)runs;
}

const char *tok_icu_script_name(int32_t code) {
    const char *name = uscript_getName((UScriptCode)code);
    return name ? name : "Unknown";
}

/* A growing list of (start, end) word pairs. */
typedef struct {
    uint32_t *w;
    size_t n, cap, hint;
} word_list;

static int add_word(word_list *l, size_t a, size_t b) {
    if (l->n == l->cap) {
        size_t c = l->cap ? l->cap * 2 : l->hint / 8 + 16; /* a word every 8 bytes, then doubling */
        uint32_t *g = realloc(l->w, 2 * c * sizeof(uint32_t));
        if (!g) return -1;
        l->w = g;
        l->cap = c;
    }
    l->w[2 * l->n] = (uint32_t)a;
    l->w[2 * l->n + 1] = (uint32_t)b;
    l->n++;
    return 0;
}

/* ICU's words of s[from..to), offsets from s, with a word break iterator opened on first use and
 * kept in *bi (opening one costs more than segmenting a line). Returns 0, -1 (memory) or -2 (ICU). */
static int icu_words_of(const uint8_t *s, size_t from, size_t to, word_list *l, UBreakIterator **bi) {
    UErrorCode err = U_ZERO_ERROR;
    if (!*bi) {
        *bi = ubrk_open(UBRK_WORD, "", NULL, 0, &err);
        if (U_FAILURE(err)) { *bi = NULL; return -2; }
    }
    UText *ut = utext_openUTF8(NULL, (const char *)(s + from), (int64_t)(to - from), &err);
    if (U_SUCCESS(err)) ubrk_setUText(*bi, ut, &err);
    if (U_FAILURE(err)) { utext_close(ut); return -2; }
    int rc = 0;
    int32_t prev = ubrk_first(*bi);
    for (int32_t b = ubrk_next(*bi); b != UBRK_DONE && rc == 0; b = ubrk_next(*bi)) {
        if (ubrk_getRuleStatus(*bi) >= UBRK_WORD_NONE_LIMIT) rc = add_word(l, from + (size_t)prev, from + (size_t)b);
        prev = b;
    }
    utext_close(ut);
    return rc;
}

/*
 * The same words as ICU without ICU, for lines whose characters all fall in the classes below:
 * UAX #29's rules restricted to those classes, with ICU's root tailoring (':' is not MidLetter,
 * '@' is ALetter), and ICU's word status (a segment is a word when it holds a letter or a digit,
 * or two or more ExtendNumLet characters joined by rule 13a); Extend, Format and ZWJ characters
 * belong to the character before them (WB4) unless it is a line break or a space, or they start
 * the line. A line with any other character (MidLetter, Katakana, Hebrew letters, regional
 * indicators, emoji, the scripts ICU segments by dictionary, characters beyond the BMP,
 * ill-formed UTF-8) goes to ICU.
 * Checked against ICU in the tests on random strings over every ASCII byte and characters of
 * every class; during development also on every file of ../shared/corpus and on millions of
 * random strings over fifty characters of these classes (the same words).
 */
enum { A_O, A_L, A_N, A_MNL, A_SQ, A_MN, A_EX, A_SP, A_CR, A_LF, A_NL, A_X, A_BAIL };
static const uint8_t ascii_class[128] = {
    A_O, A_O, A_O, A_O, A_O, A_O, A_O, A_O, A_O, A_O, A_LF, A_NL, A_NL, A_CR, A_O, A_O,  /* 00-0F */
    A_O, A_O, A_O, A_O, A_O, A_O, A_O, A_O, A_O, A_O, A_O, A_O, A_O, A_O, A_O, A_O,  /* 10-1F */
    A_SP, A_O, A_O, A_O, A_O, A_O, A_O, A_SQ, A_O, A_O, A_O, A_O, A_MN, A_O, A_MNL, A_O,  /* 20-2F */
    A_N, A_N, A_N, A_N, A_N, A_N, A_N, A_N, A_N, A_N, A_O, A_MN, A_O, A_O, A_O, A_O,  /* 30-3F */
    A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L,  /* 40-4F */
    A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_O, A_O, A_O, A_O, A_EX,  /* 50-5F */
    A_O, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L,  /* 60-6F */
    A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_L, A_O, A_O, A_O, A_O, A_O,  /* 70-7F */
};

/* The classes of the BMP's code points from ICU's own properties (the data its break iterator
 * uses), built a page of 256 code points at a time when a character of the page first comes
 * (about 20 µs a page; the whole BMP at once took 5 ms). */
static uint8_t bmp_class[0x10000];
static _Atomic uint8_t bmp_page_ready[256];
static pthread_mutex_t bmp_lock = PTHREAD_MUTEX_INITIALIZER;

static uint8_t class_of(uint32_t cp) {
    if (cp < 0x80) return ascii_class[cp];
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript((UChar32)cp, &err);
    if ((cp >= 0xD800 && cp <= 0xDFFF) || U_FAILURE(err) || sc == USCRIPT_HAN || sc == USCRIPT_HIRAGANA ||
        sc == USCRIPT_KATAKANA || sc == USCRIPT_HANGUL ||
        u_hasBinaryProperty((UChar32)cp, UCHAR_EXTENDED_PICTOGRAPHIC) ||
        u_getIntPropertyValue((UChar32)cp, UCHAR_LINE_BREAK) == U_LB_COMPLEX_CONTEXT)
        return A_BAIL; /* the scripts ICU segments by dictionary; emoji sequences */
    switch (u_getIntPropertyValue((UChar32)cp, UCHAR_WORD_BREAK)) {
    case U_WB_OTHER: return A_O;
    case U_WB_ALETTER: return A_L;
    case U_WB_NUMERIC: return A_N;
    case U_WB_MIDNUMLET: return A_MNL;
    case U_WB_MIDNUM: return A_MN;
    case U_WB_EXTENDNUMLET: return A_EX;
    case U_WB_WSEGSPACE: return A_SP;
    case U_WB_NEWLINE: return A_NL;
    case U_WB_EXTEND: case U_WB_FORMAT: case U_WB_ZWJ: return A_X; /* WB4 */
    default: return A_BAIL; /* MidLetter, Katakana, Hebrew letters, RI, ... */
    }
}

/* Fills the page of cp (once per process and page). */
static __attribute__((noinline)) void bmp_page_fill(uint32_t cp) {
    const unsigned page = cp >> 8;
    pthread_mutex_lock(&bmp_lock);
    if (!atomic_load_explicit(&bmp_page_ready[page], memory_order_relaxed)) {
        for (uint32_t c = page << 8; c < (page + 1) << 8; c++) bmp_class[c] = class_of(c);
        atomic_store_explicit(&bmp_page_ready[page], 1, memory_order_release);
    }
    pthread_mutex_unlock(&bmp_lock);
}

static inline __attribute__((always_inline)) uint8_t bmp_class_of(uint32_t cp) {
    if (__builtin_expect(!atomic_load_explicit(&bmp_page_ready[cp >> 8], memory_order_acquire), 0)) bmp_page_fill(cp);
    return bmp_class[cp];
}

/* The class of the non-ASCII character at s[i] (i < to) and its length in *n. */
static int class_beyond_ascii(const uint8_t *s, size_t to, size_t i, unsigned *n) {
    tok_char c = tok_utf8_at(s, to, i);
    *n = c.len;
    if ((c.cls & TOK_CLS_INVALID) || c.cp > 0xFFFF) return A_BAIL;
    return bmp_class_of(c.cp);
}

/* The class of the character at s[i] (i < to) and its length in *n. Well-formed two- and
 * three-byte characters go through tok_utf8_bmp_at: tok_utf8_at also looks up each character's
 * category for the pre-token scanners, a third of the time of the words of UDHR's non-Latin
 * lines in a `perf` profile. */
static inline __attribute__((always_inline)) int class_at(const uint8_t *s, size_t to, size_t i, unsigned *n) {
    if (s[i] < 0x80) { *n = 1; return ascii_class[s[i]]; }
    const uint32_t cp = tok_utf8_bmp_at(s, to, i, n);
    return cp != UINT32_MAX ? bmp_class_of(cp) : class_beyond_ascii(s, to, i, n); /* four bytes, or ill-formed */
}

/* The class of the first character at or after s[j] that is not Extend, Format or ZWJ (WB4), or
 * A_O at the end of the line. */
static inline int class_after(const uint8_t *s, size_t to, size_t j) {
    unsigned m;
    int c = A_O;
    while (j < to && (c = class_at(s, to, j, &m)) == A_X) j += m;
    return j < to ? c : A_O;
}

/* Is there a word boundary before the character at s[i] (from < i < to, n bytes long)? pa, a, b:
 * the classes of the two characters before it and its own (pa -1 when there is none).
 * (Letter after letter, digit after digit and space after space were decided by the caller.) */
static inline int word_break(const uint8_t *s, size_t to, size_t i, unsigned n, int pa, int a, int b) {
    if (a == A_CR && b == A_LF) return 0;                                     /* WB3 */
    if (a >= A_CR || b >= A_CR) return 1;                                     /* WB3a, WB3b */
    if (a == A_L && (b == A_MNL || b == A_SQ) && class_after(s, to, i + n) == A_L) return 0; /* WB6 */
    if (pa == A_L && (a == A_MNL || a == A_SQ) && b == A_L) return 0;         /* WB7 */
    if ((a == A_N || a == A_L) && (b == A_N || b == A_L)) return 0;           /* WB5, WB8, WB9, WB10 */
    if (pa == A_N && (a == A_MN || a == A_MNL || a == A_SQ) && b == A_N) return 0; /* WB11 */
    if (a == A_N && (b == A_MN || b == A_MNL || b == A_SQ) && class_after(s, to, i + n) == A_N)
        return 0;                                                             /* WB12 */
    if ((a == A_L || a == A_N || a == A_EX) && b == A_EX) return 0;           /* WB13a */
    if (a == A_EX && (b == A_L || b == A_N)) return 0;                        /* WB13b */
    return 1;                                                                 /* WB999 */
}

#if defined(__SSE2__)
/* The bytes of x that are ASCII letters or '@' (ALetter in ASCII), as 0xFF. */
static inline __m128i ascii_letters16(__m128i x) {
    const __m128i lo = _mm_or_si128(x, _mm_set1_epi8(0x20));
    return _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(lo, _mm_set1_epi8('a' - 1)), _mm_cmplt_epi8(lo, _mm_set1_epi8('z' + 1))),
                        _mm_cmpeq_epi8(x, _mm_set1_epi8('@')));
}
#endif

/* Appends the words of the line s[from..to). Returns 0, 1 when the line has a character outside
 * the classes (nothing appended) or -1 (memory). */
static int fast_words_of(const uint8_t *s, size_t from, size_t to, word_list *l) {
    const size_t n0 = l->n;
    size_t start = from;
    int word = 0, other = 0; /* the segment so far has a letter or digit / something not ExtendNumLet */
    unsigned ext = 0;        /* ExtendNumLet characters in it */
    int ext_x = 0;           /* it ends in ExtendNumLet and Extend/Format/ZWJ after it: ICU gives no
                              * word status then ("a_" is a word, "a_" and U+0301 is not) */
    int a = -1, pa = -1;     /* the classes of the two characters before s[i] */
    for (size_t i = from; i < to;) {
        unsigned n;
        int b = class_at(s, to, i, &n);
        if (b == A_BAIL) { l->n = n0; return 1; }
        if (b == A_X) { /* WB4: part of the character before, which the rules see instead */
            if (a < 0 || a == A_CR || a == A_LF || a == A_NL || a == A_SP) { l->n = n0; return 1; }
            ext_x |= a == A_EX;
            i += n;
            continue;
        }
        if (b == a && (b == A_L || b == A_N || b == A_SP)) { /* WB5, WB8, WB3d: the commonest pairs */
            /* the rest of the run in tight loops: ASCII letters 16 at a time, other characters */
            i += n;
            for (;;) {
#if defined(__SSE2__)
                if (b == A_L) {
                    while (i + 16 <= to) {
                        const unsigned m =
                            (unsigned)_mm_movemask_epi8(ascii_letters16(_mm_loadu_si128((const __m128i *)(s + i))));
                        if (m != 0xFFFF) { i += (size_t)__builtin_ctz(~m); break; }
                        i += 16;
                    }
                }
#endif
                while (i < to && s[i] < 0x80 && ascii_class[s[i]] == b) i++;
                /* two- and three-byte characters of the run's class, and in a run of letters or
                 * digits Extend/Format/ZWJ (WB4: part of the letter before, as the loop above
                 * treats them; after a space they send the line to ICU, so not in a run of spaces) */
                const size_t at = i;
                while (i < to && s[i] >= 0x80) {
                    unsigned m;
                    const uint32_t cp = tok_utf8_bmp_at(s, to, i, &m);
                    if (cp == UINT32_MAX) break;
                    const uint8_t c = bmp_class_of(cp);
                    if (c != b && (c != A_X || b == A_SP)) break;
                    i += m;
                }
                if (i == at || i >= to || s[i] >= 0x80) break;
            }
            pa = b;
            continue;
        }
        if (i > from && word_break(s, to, i, n, pa, a, b)) {
            if ((word || (!other && ext >= 2)) && !ext_x && add_word(l, start, i)) return -1;
            start = i;
            word = other = 0;
            ext = 0;
        }
        ext_x = 0;
        word |= b == A_L || b == A_N;
        other |= b != A_EX;
        ext += b == A_EX;
        pa = a;
        a = b;
        i += n;
    }
    if (to > start && (word || (!other && ext >= 2)) && !ext_x && add_word(l, start, to)) return -1;
    return 0;
}

#if defined(__SSE2__)
/*
 * Spans of whole ASCII lines, 64 bytes at a time. Restricted to ASCII, the rules above make a
 * word of every maximal run of letters, digits, '_' and joiners, where a joiner is '.' or '\''
 * between two letters (WB6, WB7) or '.', '\'', ',' or ';' between two digits (WB11, WB12):
 * letters, digits and '_' never break between each other (WB5, WB8-WB10, WB13a, WB13b), every
 * other pair breaks, and no other segment has a letter or a digit. A run is a word unless it is
 * one '_' alone. So the words come from bit masks of those classes instead of a walk through
 * the rules (English prose: about four times faster).
 *
 * Lines may also hold the General Punctuation characters E2 80 xx of the table below (curly
 * quotes, dashes, ellipsis: a seventh of English prose's bytes are in lines with them): those of
 * class Other are in no run, as ASCII punctuation; MidNumLet (U+2018, U+2019, U+2024) join two
 * letters or two digits as '.' does, its three bytes then in the run.
 */
typedef struct { uint64_t let, dig, und, jl, jn, e2, mnl3; } ascii_masks;

/* The third bytes of E2 80 xx (U+2000 … U+203F) the spans take: 1 Other, 2 MidNumLet (by ICU's
 * word break property; spaces, Extend/Format/ZWJ, MidLetter U+2027, separators, ExtendNumLet and
 * the emoji U+203C are left out). */
static const uint8_t e280_kind[256] = {
    [0x90] = 1, [0x91] = 1, [0x92] = 1, [0x93] = 1, [0x94] = 1, [0x95] = 1, [0x96] = 1, [0x97] = 1,
    [0x98] = 2, [0x99] = 2, [0x9A] = 1, [0x9B] = 1, [0x9C] = 1, [0x9D] = 1, [0x9E] = 1, [0x9F] = 1,
    [0xA0] = 1, [0xA1] = 1, [0xA2] = 1, [0xA3] = 1, [0xA4] = 2, [0xA5] = 1, [0xA6] = 1,
    [0xB0] = 1, [0xB1] = 1, [0xB2] = 1, [0xB3] = 1, [0xB4] = 1, [0xB5] = 1, [0xB6] = 1, [0xB7] = 1,
    [0xB8] = 1, [0xB9] = 1, [0xBA] = 1, [0xBB] = 1, [0xBD] = 1, [0xBE] = 1,
};

static inline uint64_t mask16(__m128i m) { return (uint64_t)(uint16_t)_mm_movemask_epi8(m); }

/* The class masks of the 64 bytes at p (bit k: byte k); e2 and mnl3 (bytes E2, and 98/99/A4,
 * the third bytes of MidNumLet) only with `punct`. */
static inline __attribute__((always_inline)) ascii_masks masks_of(const uint8_t *p, int punct) {
    ascii_masks m = {0, 0, 0, 0, 0, 0, 0};
    for (int q = 0; q < 4; q++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + 16 * q));
        __m128i let = ascii_letters16(x);
        __m128i dig = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
        __m128i both = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\'')));
        __m128i num = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(',')), _mm_cmpeq_epi8(x, _mm_set1_epi8(';')));
        const int sh = 16 * q;
        m.let |= mask16(let) << sh;
        m.dig |= mask16(dig) << sh;
        m.und |= mask16(_mm_cmpeq_epi8(x, _mm_set1_epi8('_'))) << sh;
        m.jl |= mask16(both) << sh;
        m.jn |= mask16(_mm_or_si128(both, num)) << sh;
        if (punct) {
            m.e2 |= mask16(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xE2))) << sh;
            __m128i t = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)0x98)), _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0x99)));
            m.mnl3 |= mask16(_mm_or_si128(t, _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xA4)))) << sh;
        }
    }
    return m;
}

/* Appends the words of s[from..to): whole lines of ASCII and, with `punct`, the E2 80 xx
 * sequences of e280_kind (from at a line's start or 0, to after a line feed or at the text's
 * end). Returns 0 or -1 (memory). */
static inline __attribute__((always_inline)) int span_words(const uint8_t *s, size_t from, size_t to, word_list *l,
                                                             int punct) {
    uint8_t tail[64 + 64];
    uint64_t prev_s = 0, prev_let = 0, prev_dig = 0; /* the previous block's last byte is S / a letter / a digit */
    uint64_t spill = 0;                               /* bytes of this block in a joiner begun before */
    size_t run = SIZE_MAX;                            /* the start of the open run */
    ascii_masks cur, next = {0, 0, 0, 0, 0, 0, 0};
    const uint8_t *p = s + from;
    size_t n = to - from;
    if (n == 0) return 0;
    /* the last block, and its successor, read from a zero-padded copy (zero bytes are in no class) */
    const size_t last = (n - 1) / 64 * 64, keep = n - last;
    memset(tail, 0, sizeof tail);
    memcpy(tail, p + last, keep);
    cur = masks_of(last == 0 ? tail : p, punct);
    for (size_t base = 0; base < n; base += 64) {
        const uint8_t *np = base + 64 == last ? tail : base + 64 < last ? p + base + 64 : tail + 64;
        next = masks_of(np, punct);
        uint64_t let_l = cur.let << 1 | prev_let, let_r = cur.let >> 1 | next.let << 63;
        uint64_t dig_l = cur.dig << 1 | prev_dig, dig_r = cur.dig >> 1 | next.dig << 63;
        uint64_t S = cur.let | cur.dig | cur.und | (cur.jl & let_l & let_r) | (cur.jn & dig_l & dig_r);
        if (punct) { /* MidNumLet E2 80 xx at bit k: a letter (digit) at k-1 and at k+3 */
            const uint64_t lead = cur.e2 & (cur.mnl3 >> 2 | next.mnl3 << 62);
            const uint64_t let3 = cur.let >> 3 | next.let << 61, dig3 = cur.dig >> 3 | next.dig << 61;
            const uint64_t j = lead & ((let_l & let3) | (dig_l & dig3));
            S |= j | j << 1 | j << 2 | spill;
            spill = (j >> 62 & 1) | (j >> 63 & 1) * 3; /* its bytes past this block */
        }
        uint64_t before = S << 1 | prev_s;
        uint64_t ev = (S & ~before) | (~S & before); /* run starts and ends, alternating */
        while (ev) {
            size_t at = from + base + (size_t)__builtin_ctzll(ev);
            ev &= ev - 1;
            if (run == SIZE_MAX) {
                run = at;
            } else {
                if ((at - run >= 2 || s[run] != '_') && add_word(l, run, at)) return -1;
                run = SIZE_MAX;
            }
        }
        prev_s = S >> 63;
        prev_let = cur.let >> 63;
        prev_dig = cur.dig >> 63;
        cur = next;
    }
    if (run != SIZE_MAX && (to - run >= 2 || s[run] != '_') && add_word(l, run, to)) return -1;
    return 0;
}

static int ascii_span_words(const uint8_t *s, size_t from, size_t to, word_list *l) { return span_words(s, from, to, l, 0); }
static int punct_span_words(const uint8_t *s, size_t from, size_t to, word_list *l) { return span_words(s, from, to, l, 1); }
#endif

int64_t tok_icu_words_with(const uint8_t *s, size_t len, uint32_t **words, int ascii_fast) {
    *words = NULL;
    if (len == 0) return 0;
    if (len >= ((size_t)1 << 31)) return -2;
    word_list l = {NULL, 0, 0, len};
    UBreakIterator *bi = NULL;
    int rc = 0;
    if (!ascii_fast) {
        rc = icu_words_of(s, 0, len, &l, &bi);
    } else {
        /* Line by line: UAX #29 always breaks before and after a line feed (WB3a, WB3b), so each
         * line's words are the same alone. Lines of the classes above take the scanner above;
         * runs of other lines go to ICU together. */
        size_t n_before_line = 0;
        size_t i = 0, pending = SIZE_MAX; /* start of the lines waiting for ICU */
        while (i < len && rc == 0) {
#if defined(__SSE2__)
            if (pending == SIZE_MAX) { /* whole lines of ASCII and e280_kind's punctuation up to the
                                         * next line with another non-ASCII byte */
                size_t na = i;
                int punct = 0;
                for (;;) {
                    while (na + 16 <= len && !_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(s + na)))) na += 16;
                    while (na < len && s[na] < 0x80) na++;
                    if (na + 2 < len && s[na] == 0xE2 && s[na + 1] == 0x80 && e280_kind[s[na + 2]]) {
                        na += 3;
                        punct = 1;
                        continue;
                    }
                    break;
                }
                size_t end = len;
                if (na < len) {
                    end = na;
                    while (end > i && s[end - 1] != '\n') end--;
                }
                if (end > i) {
                    rc = punct ? punct_span_words(s, i, end, &l) : ascii_span_words(s, i, end, &l);
                    n_before_line = l.n;
                    i = end;
                    continue;
                }
            }
#endif
            const uint8_t *lf = memchr(s + i, '\n', len - i);
            size_t e = lf ? (size_t)(lf - s) + 1 : len;
            rc = fast_words_of(s, i, e, &l);
            if (rc == 1) {
                if (pending == SIZE_MAX) pending = i;
                rc = 0;
            } else if (rc == 0 && pending != SIZE_MAX) {
                /* the lines before this one first: ICU's words, then this line's again */
                l.n = n_before_line;
                rc = icu_words_of(s, pending, i, &l, &bi);
                pending = SIZE_MAX;
                if (rc == 0) rc = fast_words_of(s, i, e, &l);
            }
            n_before_line = l.n;
            i = e;
        }
        if (rc == 0 && pending != SIZE_MAX) rc = icu_words_of(s, pending, len, &l, &bi);
    }
    if (bi) ubrk_close(bi);
    if (rc) { free(l.w); return rc; }
    *words = l.w;
    return (int64_t)l.n;
}

int64_t tok_icu_words(const uint8_t *s, size_t len, uint32_t **words) { return tok_icu_words_with(s, len, words, 1); }

uint64_t tok_split_words(const uint32_t *words, size_t n_words, const uint64_t *starts, size_t n_bits) {
    uint64_t split = 0;
    const size_t n_words64 = (n_bits + 63) / 64; /* words of `starts` */
    for (size_t w = 0; w < n_words; w++) {
        size_t lo = (size_t)words[2 * w] + 1, hi = words[2 * w + 1]; /* a token start in [lo, hi) splits it */
        if (hi > n_bits) hi = n_bits;
        if (lo >= hi) continue;
        size_t a = lo >> 6;
        if (hi - lo <= 64 && a + 1 < n_words64) {
            /* the common case without a branch on the data: the 64 bits from lo out of two words
             * (a word ending inside the first or crossing into the second alike), masked to the
             * word's length (a loop over the words of `starts` mispredicted at each crossing) */
            const unsigned __int128 two = (unsigned __int128)starts[a + 1] << 64 | starts[a];
            const uint64_t x = (uint64_t)(two >> (lo & 63));
            const size_t len = hi - lo;
            split += (x & (len == 64 ? ~(uint64_t)0 : ((uint64_t)1 << len) - 1)) != 0;
            continue;
        }
        const size_t b = (hi - 1) >> 6;
        uint64_t x = starts[a] & (~(uint64_t)0 << (lo & 63));
        while (a < b && !x) x = starts[++a];
        if (a == b) x &= ~(uint64_t)0 >> (63 - ((hi - 1) & 63));
        split += x != 0;
    }
    return split;
}

#if defined(__SSE2__)
/* The 64 bytes at p as text-stats masks (bit k: byte k): whitespace (' ', \t … \r), line feeds,
 * bytes of 80 and above; with `utf8` also: continuation bytes, the leads of 2-, 3- and 4-byte
 * sequences, the bytes E0/ED/F0/F4 (whose second byte has a narrower range) and the continuation
 * bytes below A0, below 90, above 8F and above 9F; `other`: bytes never in well-formed UTF-8
 * (C0, C1, F5-FF). */
typedef struct { uint64_t sp, nl, hi, cont, l2, l3, l4, e0, ed, f0, f4, lt_a0, lt_90, gt_8f, gt_9f, other; } stat_masks;

static inline __attribute__((always_inline)) stat_masks stat_masks_of(const uint8_t *p, int utf8) {
    stat_masks m = {0};
    for (int q = 0; q < 4; q++) {
        const __m128i x = _mm_loadu_si128((const __m128i *)(p + 16 * q));
        const int sh = 16 * q;
#define M(v) ((uint64_t)(uint16_t)_mm_movemask_epi8(v) << sh)
#define B(c) _mm_set1_epi8((char)(c))
        if (!utf8) {
            m.sp |= M(_mm_or_si128(_mm_cmpeq_epi8(x, B(' ')), _mm_and_si128(_mm_cmpgt_epi8(x, B(0x08)), _mm_cmplt_epi8(x, B(0x0E)))));
            m.nl |= M(_mm_cmpeq_epi8(x, B('\n')));
            m.hi |= M(x);
            continue;
        }
        /* signed bytes: 80..BF are -128..-65, C2..DF -62..-33, E0..EF -32..-17, F0..F4 -16..-12 */
        m.cont |= M(_mm_cmplt_epi8(x, B(0xC0)));
        m.l2 |= M(_mm_and_si128(_mm_cmpgt_epi8(x, B(0xC1)), _mm_cmplt_epi8(x, B(0xE0))));
        m.l3 |= M(_mm_and_si128(_mm_cmpgt_epi8(x, B(0xDF)), _mm_cmplt_epi8(x, B(0xF0))));
        m.l4 |= M(_mm_and_si128(_mm_cmpgt_epi8(x, B(0xEF)), _mm_cmplt_epi8(x, B(0xF5))));
        m.e0 |= M(_mm_cmpeq_epi8(x, B(0xE0)));
        m.ed |= M(_mm_cmpeq_epi8(x, B(0xED)));
        m.f0 |= M(_mm_cmpeq_epi8(x, B(0xF0)));
        m.f4 |= M(_mm_cmpeq_epi8(x, B(0xF4)));
        m.lt_a0 |= M(_mm_cmplt_epi8(x, B(0xA0)));
        m.lt_90 |= M(_mm_cmplt_epi8(x, B(0x90)));
        m.gt_8f |= M(_mm_and_si128(_mm_cmpgt_epi8(x, B(0x8F)), _mm_cmplt_epi8(x, B(0xC0))));
        m.gt_9f |= M(_mm_and_si128(_mm_cmpgt_epi8(x, B(0x9F)), _mm_cmplt_epi8(x, B(0xC0))));
#undef M
#undef B
    }
    m.other = utf8 ? ~(m.cont | m.l2 | m.l3 | m.l4) : 0; /* with hi below: high bytes of no class */
    return m;
}
#endif

void tok_text_stats(const uint8_t *s, size_t len, uint64_t *chars, uint64_t *newlines, uint64_t *ws_words) {
    uint64_t c = 0, nl = 0, w = 0;
    int in_word = 0;
    for (size_t i = 0; i < len;) {
#if defined(__SSE2__)
        /* 64 bytes at once when they are well-formed UTF-8 (every non-ASCII text's common
         * case): a character per byte that is not a continuation byte; line feeds and word starts
         * from masks. A character that crosses the block's end is left to the next block, which
         * starts with it (the block is then 61-63 bytes: in a script of 2- or 3-byte letters most
         * blocks end inside one, and they went a character at a time). Else the loop below, a
         * character at a time, to the first character boundary past the block. */
        while (i + 64 <= len) {
            const stat_masks m = stat_masks_of(s + i, 0);
            uint64_t cont = 0;
            unsigned k = 64; /* the bytes taken */
            if (m.hi) {
                const stat_masks u = stat_masks_of(s + i, 1);
                const uint64_t want = u.l2 << 1 | u.l3 << 1 | u.l3 << 2 | u.l4 << 1 | u.l4 << 2 | u.l4 << 3;
                /* the leads of sequences that end past the block */
                const uint64_t out = (u.l2 & (uint64_t)1 << 63) | (u.l3 & (uint64_t)3 << 62) | (u.l4 & (uint64_t)7 << 61);
                const uint64_t bad = (u.other & m.hi) | (want ^ u.cont) | (u.e0 << 1 & u.lt_a0) |
                                     (u.ed << 1 & u.gt_9f) | (u.f0 << 1 & u.lt_90) | (u.f4 << 1 & u.gt_8f);
                if (bad) break;
                if (out) k = (unsigned)__builtin_ctzll(out); /* one lead at most: the block ends before it */
                cont = u.cont;
            }
            const uint64_t keep = k == 64 ? ~(uint64_t)0 : ((uint64_t)1 << k) - 1;
            const uint64_t sp = m.sp & keep;
            const uint64_t starts = ~sp & (sp << 1 | (uint64_t)!in_word) & keep;
            nl += (uint64_t)__builtin_popcountll(m.nl & keep);
            w += (uint64_t)__builtin_popcountll(starts);
            in_word = !(sp >> (k - 1) & 1);
            c += k - (uint64_t)__builtin_popcountll(cont & keep);
            i += k;
        }
        if (i >= len) break;
        const size_t stop = i + 64 <= len ? i + 64 : len; /* a block the masks did not take */
        while (i < len && i < stop) {
#endif
        uint8_t b = s[i];
        if (b < 0x80) {
            int space = b == ' ' || (b >= 0x09 && b <= 0x0D);
            nl += b == '\n';
            if (!space && !in_word) w++;
            in_word = !space;
            c++;
            i++;
            continue;
        }
        tok_char ch = tok_utf8_at(s, len, i);
        if (!in_word) w++;
        in_word = 1;
        c++;
        i += ch.len;
#if defined(__SSE2__)
        }
#endif
    }
    *chars = c;
    *newlines = nl;
    *ws_words = w;
}

int64_t tok_icu_grapheme_ends(const uint8_t *s, size_t len, size_t *ends, size_t cap) {
    if (len == 0) return 0;
    if (len >= ((size_t)1 << 31)) return -2;
    UErrorCode err = U_ZERO_ERROR;
    UText *ut = utext_openUTF8(NULL, (const char *)s, (int64_t)len, &err);
    UBreakIterator *bi = ubrk_open(UBRK_CHARACTER, "", NULL, 0, &err);
    if (U_SUCCESS(err)) ubrk_setUText(bi, ut, &err);
    if (U_FAILURE(err)) {
        if (bi) ubrk_close(bi);
        if (ut) utext_close(ut);
        return -2;
    }
    int64_t n = 0;
    (void)ubrk_first(bi);
    for (int32_t b = ubrk_next(bi); b != UBRK_DONE; b = ubrk_next(bi)) {
        if ((size_t)n >= cap) { n = -1; break; }
        ends[n++] = (size_t)b;
    }
    ubrk_close(bi);
    utext_close(ut);
    return n;
}

/* icu_glue.c — the few ICU calls the core needs, in C because ICU's symbols are versioned. */
#include "tok_support.h"
#include "tok_unicode.h"

#include <unicode/uchar.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>
#include <unicode/uscript.h>
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
 * The same words of a line of ASCII text without ICU: UAX #29's rules restricted to ASCII, with
 * ICU's root tailoring (':' is not MidLetter, '@' is ALetter), and ICU's word status (a segment is
 * a word when it holds a letter or a digit, or is two or more '_' joined by rule 13a). Checked
 * against ICU in the tests on random strings over every ASCII byte.
 */
enum { A_O, A_L, A_N, A_MNL, A_SQ, A_MN, A_EX, A_SP, A_CR, A_LF, A_NL };
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

/* Is there a word boundary between s[i-1] and s[i] (from < i < to), whose classes are a and b?
 * (Letter after letter, digit after digit and space after space were decided by the caller.) */
static inline int ascii_break(const uint8_t *s, size_t from, size_t to, size_t i, int a, int b) {
    if (a == A_CR && b == A_LF) return 0;                                     /* WB3 */
    if (a >= A_CR || b >= A_CR) return 1;                                     /* WB3a, WB3b */
    if (a == A_L && (b == A_MNL || b == A_SQ) && i + 1 < to && ascii_class[s[i + 1]] == A_L) return 0;   /* WB6 */
    if (i >= from + 2 && ascii_class[s[i - 2]] == A_L && (a == A_MNL || a == A_SQ) && b == A_L) return 0; /* WB7 */
    if ((a == A_N || a == A_L) && (b == A_N || b == A_L)) return 0;           /* WB5, WB8, WB9, WB10 */
    if (i >= from + 2 && ascii_class[s[i - 2]] == A_N && (a == A_MN || a == A_MNL || a == A_SQ) && b == A_N)
        return 0;                                                             /* WB11 */
    if (a == A_N && (b == A_MN || b == A_MNL || b == A_SQ) && i + 1 < to && ascii_class[s[i + 1]] == A_N)
        return 0;                                                             /* WB12 */
    if ((a == A_L || a == A_N || a == A_EX) && b == A_EX) return 0;           /* WB13a */
    if (a == A_EX && (b == A_L || b == A_N)) return 0;                        /* WB13b */
    return 1;                                                                 /* WB999 */
}

static int ascii_words_of(const uint8_t *s, size_t from, size_t to, word_list *l) {
    size_t start = from;
    int word = 0, other = 0; /* the segment so far has a letter or digit / something but '_' */
    int a = -1;              /* the class of s[i - 1] */
    for (size_t i = from; i < to; i++) {
        int b = ascii_class[s[i]];
        if (b == a && (b == A_L || b == A_N || b == A_SP)) { /* WB5, WB8, WB3d: the commonest pairs */
            /* the rest of the run in a tight loop */
            while (i + 1 < to && ascii_class[s[i + 1]] == b) i++;
            continue;
        }
        if (i > from && ascii_break(s, from, to, i, a, b)) {
            if ((word || (!other && i - start >= 2)) && add_word(l, start, i)) return -1;
            start = i;
            word = other = 0;
        }
        word |= b == A_L || b == A_N;
        other |= b != A_EX;
        a = b;
    }
    if (to > start && (word || (!other && to - start >= 2)) && add_word(l, start, to)) return -1;
    return 0;
}

/* Is s[from..to) all ASCII? */
static int all_ascii(const uint8_t *s, size_t from, size_t to) {
    size_t i = from;
    for (; i + 8 <= to; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull) return 0;
    }
    for (; i < to; i++)
        if (s[i] & 0x80) return 0;
    return 1;
}

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
         * line's words are the same alone. ASCII lines take the scanner above; runs of other
         * lines go to ICU together. */
        size_t i = 0, pending = SIZE_MAX; /* start of the lines waiting for ICU */
        while (i < len && rc == 0) {
            const uint8_t *lf = memchr(s + i, '\n', len - i);
            size_t e = lf ? (size_t)(lf - s) + 1 : len;
            if (all_ascii(s, i, e)) {
                if (pending != SIZE_MAX) { rc = icu_words_of(s, pending, i, &l, &bi); pending = SIZE_MAX; }
                if (rc == 0) rc = ascii_words_of(s, i, e, &l);
            } else if (pending == SIZE_MAX) {
                pending = i;
            }
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

uint64_t tok_split_words(const uint32_t *words, size_t n_words, const uint32_t *token_starts, size_t n_tokens) {
    uint64_t split = 0;
    size_t t = 0;
    for (size_t w = 0; w < n_words; w++) {
        uint32_t a = words[2 * w], b = words[2 * w + 1];
        while (t < n_tokens && token_starts[t] <= a) t++;
        if (t < n_tokens && token_starts[t] < b) split++;
    }
    return split;
}

void tok_text_stats(const uint8_t *s, size_t len, uint64_t *chars, uint64_t *newlines, uint64_t *ws_words) {
    uint64_t c = 0, nl = 0, w = 0;
    int in_word = 0;
    for (size_t i = 0; i < len;) {
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

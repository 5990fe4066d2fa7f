/* icu_glue.c — the few ICU calls the core needs, in C because ICU's symbols are versioned. */
#include "tok_support.h"
#include "tok_unicode.h"

#include <unicode/uchar.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>
#include <unicode/uscript.h>
#include <stdlib.h>
#include "tok_unicode.h"

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


/* A UAX #29 word break iterator over UTF-8 text (positions are byte offsets); closes both on
 * failure. Returns 0 or -2. */
static int open_words(const uint8_t *s, size_t len, UText **ut, UBreakIterator **bi) {
    *ut = NULL;
    *bi = NULL;
    if (len >= ((size_t)1 << 31)) return -2;
    UErrorCode err = U_ZERO_ERROR;
    *ut = utext_openUTF8(NULL, (const char *)s, (int64_t)len, &err);
    *bi = ubrk_open(UBRK_WORD, "", NULL, 0, &err);
    if (U_SUCCESS(err)) ubrk_setUText(*bi, *ut, &err);
    if (U_FAILURE(err)) {
        if (*bi) ubrk_close(*bi);
        if (*ut) utext_close(*ut);
        *ut = NULL;
        *bi = NULL;
        return -2;
    }
    return 0;
}

static void close_words(UText *ut, UBreakIterator *bi) {
    ubrk_close(bi);
    utext_close(ut);
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

int64_t tok_icu_words(const uint8_t *s, size_t len, uint32_t **words) {
    *words = NULL;
    if (len == 0) return 0;
    UText *ut;
    UBreakIterator *bi;
    if (open_words(s, len, &ut, &bi)) return -2;
    uint32_t *w = NULL;
    size_t n = 0, cap = 0;
    int32_t prev = ubrk_first(bi);
    for (int32_t b = ubrk_next(bi); b != UBRK_DONE; b = ubrk_next(bi)) {
        if (ubrk_getRuleStatus(bi) >= UBRK_WORD_NONE_LIMIT) {
            if (n == cap) {
                size_t c = cap ? cap * 2 : len / 8 + 16; /* a word every 8 bytes, then doubling */
                uint32_t *g = realloc(w, 2 * c * sizeof(uint32_t));
                if (!g) { free(w); close_words(ut, bi); return -1; }
                w = g;
                cap = c;
            }
            w[2 * n] = (uint32_t)prev;
            w[2 * n + 1] = (uint32_t)b;
            n++;
        }
        prev = b;
    }
    close_words(ut, bi);
    *words = w;
    return (int64_t)n;
}

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

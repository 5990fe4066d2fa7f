/*
 * tok_unicode.h — character classes and UTF-8 decoding for the pre-token scanners.
 *
 * The classes are those the split patterns test (\p{L}, \p{N}, \p{M}, \s, o200k's case classes,
 * DeepSeek's [\p{P}\p{S}]),
 * from Unicode 16.0, the version of the reference's regex engine (see tools/gen_unicode_tables.py).
 *
 * Invalid UTF-8: the decoder returns one "invalid unit" per maximal subpart of an ill-formed
 * sequence (Unicode §3.9, the same units Python's decode(errors="replace") turns into U+FFFD).
 * An invalid unit has no class bit but TOK_CLS_INVALID, so the scanners treat it as U+FFFD (a
 * symbol) would be treated (the DeepSeek scanner, which tests [\p{P}\p{S}], counts it as one),
 * while the bytes themselves are kept: encode then decode returns the input byte for byte.
 */
#ifndef TOK_UNICODE_H
#define TOK_UNICODE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Class bits of a code point. */
enum {
    TOK_CLS_L = 1,   /**< \p{L}: any letter */
    TOK_CLS_N = 2,   /**< \p{N}: any number */
    TOK_CLS_WS = 4,  /**< \s: the White_Space property */
    TOK_CLS_UC = 8,  /**< [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]: o200k's "upper" class */
    TOK_CLS_LC = 16, /**< [\p{Ll}\p{Lm}\p{Lo}\p{M}]: o200k's "lower" class */
    TOK_CLS_M = 32,  /**< \p{M}: any mark */
    TOK_CLS_INVALID = 64, /**< an ill-formed UTF-8 unit (never set in the table) */
    TOK_CLS_PS = 128, /**< [\p{P}\p{S}]: any punctuation or symbol (DeepSeek's pattern) */
};

/** Generated two-stage table (unicode_tables.c): 128-code-point blocks. */
extern const uint16_t tok_ucls_stage1[0x110000 / 128];
extern const uint8_t tok_ucls_stage2[];

/** Class bits of code point `cp` (`cp` < 0x110000; surrogates have class 0). */
static inline __attribute__((always_inline)) uint8_t tok_ucls(uint32_t cp) {
    return tok_ucls_stage2[(size_t)tok_ucls_stage1[cp >> 7] * 128u + (cp & 127u)];
}

/** A decoded character (or invalid unit). */
typedef struct {
    uint32_t cp;  /**< the code point; 0xFFFD for an invalid unit */
    uint8_t len;  /**< bytes it spans, 1..4 */
    uint8_t cls;  /**< TOK_CLS_* bits; 0 for an invalid unit */
} tok_char;

/**
 * Decodes the character that starts at `s[i]`.
 * Requires i < len. Never reads at or beyond s[len]. An ill-formed sequence yields its maximal
 * subpart (1 to 3 bytes) as one invalid unit with cp 0xFFFD and class TOK_CLS_INVALID.
 */
static inline __attribute__((always_inline)) tok_char tok_utf8_at(const uint8_t *s, size_t len, size_t i) {
    tok_char c;
    uint8_t b0 = s[i];
    if (b0 < 0x80) {
        c.cp = b0; c.len = 1; c.cls = tok_ucls(b0);
        return c;
    }
    size_t rem = len - i;
    uint8_t lo = 0x80, hi = 0xBF;
    int need;
    uint32_t cp;
    if (b0 >= 0xC2 && b0 <= 0xDF) { need = 1; cp = b0 & 0x1F; }
    else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2; cp = b0 & 0x0F;
        if (b0 == 0xE0) lo = 0xA0; else if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3; cp = b0 & 0x07;
        if (b0 == 0xF0) lo = 0x90; else if (b0 == 0xF4) hi = 0x8F;
    } else {
        c.cp = 0xFFFD; c.len = 1; c.cls = TOK_CLS_INVALID;
        return c;
    }
    int k;
    for (k = 1; k <= need; k++) {
        if ((size_t)k >= rem) break;
        uint8_t b = s[i + (size_t)k];
        if (b < lo || b > hi) break;
        lo = 0x80; hi = 0xBF;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (k <= need) {
        c.cp = 0xFFFD; c.len = (uint8_t)k; c.cls = TOK_CLS_INVALID;
        return c;
    }
    c.cp = cp; c.len = (uint8_t)(need + 1); c.cls = tok_ucls(cp);
    return c;
}

/**
 * The code point of a well-formed two- or three-byte character at s[i] (i < len, s[i] >= 0x80),
 * its length in *n; UINT32_MAX for anything else (four bytes, ill-formed, cut short), which
 * tok_utf8_at then decodes. Most non-ASCII text is this case, decoded without tok_utf8_at's
 * general checks and class lookup by scanners that want their own properties of the character.
 */
static inline __attribute__((always_inline)) uint32_t tok_utf8_bmp_at(const uint8_t *s, size_t len, size_t i,
                                                                       unsigned *n) {
    const uint8_t b = s[i];
    if (b >= 0xC2 && b <= 0xDF && i + 1 < len && (s[i + 1] & 0xC0) == 0x80) {
        *n = 2;
        return (uint32_t)(b & 0x1F) << 6 | (s[i + 1] & 0x3Fu);
    }
    if ((b & 0xF0) == 0xE0 && i + 2 < len) {
        const uint8_t b1 = s[i + 1], b2 = s[i + 2];
        const uint32_t cp = (uint32_t)(b & 0x0F) << 12 | (uint32_t)(b1 & 0x3F) << 6 | (b2 & 0x3Fu);
        /* both continuation bytes, not overlong (>= U+0800), not a surrogate */
        if ((b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 && cp >= 0x800 && (cp & 0xF800) != 0xD800) {
            *n = 3;
            return cp;
        }
    }
    return UINT32_MAX;
}

/**
 * Number of bytes (0 to 3) at the end of s[0..len) that begin a UTF-8 sequence that is well-formed
 * so far but incomplete: bytes a streaming decoder must hold back until more arrive.
 */
static inline size_t tok_utf8_incomplete_tail(const uint8_t *s, size_t len) {
    size_t start = len > 3 ? len - 3 : 0;
    for (size_t p = start; p < len; p++) {
        if (s[p] >= 0xC2 && s[p] <= 0xF4) {
            tok_char c = tok_utf8_at(s, len, p);
            if ((c.cls & TOK_CLS_INVALID) && p + c.len == len) return len - p;
        }
    }
    return 0;
}

#ifdef __cplusplus
}
#endif
#endif

/*
 * tok_segment.h — word segmentation: Unicode word boundaries (UAX #29) and the HAT splitting rule.
 *
 * The character properties are Unicode 16.0, the version of the reference hat-splitter's Rust
 * crates (unicode-segmentation 1.12, regex 1.11); see tools/gen_segment_tables.py.
 *
 * Segmentation runs as a resumable iterator over a byte string: tok_seg_fill writes the end offsets
 * of the next words into a caller buffer of any size and can be called again until it returns 0,
 * so memory stays bounded on inputs of any length. Invalid UTF-8 is segmented as if each maximal
 * subpart of an ill-formed sequence (see tok_utf8_at) were one character with no properties
 * (Word_Break=Other, not punctuation, not a letter, not white space); every byte belongs to exactly
 * one word, so the concatenation of the words is the input.
 */
#ifndef TOK_SEGMENT_H
#define TOK_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Word_Break property values (UAX #29 table 3), in the order of the generated table. */
enum {
    TOK_WB_OTHER = 0, TOK_WB_CR, TOK_WB_LF, TOK_WB_NEWLINE, TOK_WB_EXTEND, TOK_WB_ZWJ,
    TOK_WB_RI, TOK_WB_FORMAT, TOK_WB_KATAKANA, TOK_WB_HEBREW_LETTER, TOK_WB_ALETTER,
    TOK_WB_SINGLE_QUOTE, TOK_WB_DOUBLE_QUOTE, TOK_WB_MIDNUMLET, TOK_WB_MIDLETTER, TOK_WB_MIDNUM,
    TOK_WB_NUMERIC, TOK_WB_EXTENDNUMLET, TOK_WB_WSEGSPACE,
    TOK_WB_COUNT
};

/** Property bits above the Word_Break value (bits 0-4). */
enum {
    TOK_SEG_WB_MASK = 0x1F,
    TOK_SEG_EXTPICT = 1 << 5, /**< Extended_Pictographic */
    TOK_SEG_LL = 1 << 6,      /**< General_Category Ll */
    TOK_SEG_LU = 1 << 7,      /**< General_Category Lu */
    TOK_SEG_PUNCT = 1 << 8,   /**< General_Category P (Pc Pd Ps Pe Pi Pf Po) */
    TOK_SEG_WSPACE = 1 << 9,  /**< White_Space */
};

/** Generated two-stage table (segment_tables.c): 128-code-point blocks. */
extern const uint16_t tok_seg_stage1[0x110000 / 128];
extern const uint16_t tok_seg_stage2[];
/** The same properties for U+0000..U+007F, one load each. */
extern const uint16_t tok_seg_ascii[128];

/** Property bits of code point `cp` (`cp` < 0x110000; surrogates have none). */
static inline uint16_t tok_seg_props(uint32_t cp) {
    return tok_seg_stage2[(size_t)tok_seg_stage1[cp >> 7] * 128u + (cp & 127u)];
}

/** What tok_seg_fill produces. */
typedef enum {
    /** UAX #29 default word boundaries (every segment, spaces and punctuation included). */
    TOK_SEG_MODE_WORD_BOUNDS = 1,
    /** The HAT splitting rule (hat-splitter's `split`). */
    TOK_SEG_MODE_HAT = 2,
} tok_seg_mode;

/**
 * Iterator state. Treat as opaque: set up with tok_seg_init, advance with tok_seg_fill.
 * It points into the caller's bytes, which must stay alive and unchanged while it is used.
 */
typedef struct {
    const uint8_t *s;
    size_t len;
    int mode;
    size_t max_bytes;
    /* character layer */
    size_t pos;          /* next byte to read */
    uint16_t raw_prev;   /* properties of the previous character (raw, not skipping WB4) */
    uint8_t prev, prev2; /* effective Word_Break values of the last two non-ignored characters */
    uint8_t ri_odd;      /* the run of regional indicators before pos has odd length */
    uint8_t at_start;    /* no character read yet */
    /* piece layer (one piece of look-ahead) */
    size_t piece_s, piece_e;
    uint8_t piece_flags;
    uint8_t has_piece;
    /* token layer (one token of look-ahead) */
    size_t tok_s, tok_e;
    uint8_t tok_flags;
    uint8_t has_tok;
    /* chunk layer: the word being cut to max_bytes */
    size_t chunk_s, chunk_e, chunk_cb;
    uint8_t has_chunk;
} tok_seg_iter;

/**
 * Starts segmenting s[0..len). `mode` is a tok_seg_mode; `max_bytes` (HAT mode only, 0 for no
 * limit) cuts every word longer than that many bytes as hat-splitter's `split_with_limit` does: at
 * the last character boundary within the limit, or inside a character when none fits.
 * Returns 0, or -1 if `mode` is unknown or `max_bytes` is set outside HAT mode (the iterator is
 * then empty). `s` may be NULL when `len` is 0.
 */
int tok_seg_init(tok_seg_iter *it, const uint8_t *s, size_t len, int mode, size_t max_bytes);

/**
 * Writes the end offsets of up to `cap` next words to `ends` (each word starts where the previous
 * one ended, the first at 0; the last ends at len). Returns the number written; 0 once every word
 * has been produced (and on every call after). Requires `ends` to hold `cap` values.
 */
size_t tok_seg_fill(tok_seg_iter *it, size_t *ends, size_t cap);

/**
 * Number of words in s[0..len) (a full pass with no output buffer). Same arguments as tok_seg_init;
 * returns (size_t)-1 on invalid arguments.
 */
size_t tok_seg_count(const uint8_t *s, size_t len, int mode, size_t max_bytes);

#ifdef __cplusplus
}
#endif
#endif

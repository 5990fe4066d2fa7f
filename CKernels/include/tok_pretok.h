/*
 * tok_pretok.h — pre-token scanners: the split regexes of tiktoken-style encodings, by hand.
 *
 * Each scanner returns exactly the match the reference regex (Rust regex/fancy-regex, leftmost-first
 * backtracking semantics) finds at a position, without a regex engine. See pretok.c for the
 * derivation of each alternative.
 */
#ifndef TOK_PRETOK_H
#define TOK_PRETOK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The split patterns the scanners implement. */
typedef enum {
    TOK_PATTERN_R50K = 1,   /**< r50k_base / gpt2 / p50k: 's|'t|… ?\p{L}+| ?\p{N}+|… */
    TOK_PATTERN_CL100K = 2, /**< cl100k_base */
    TOK_PATTERN_O200K = 3,  /**< o200k_base / o200k_harmony: case-class words, contractions attached */
    TOK_PATTERN_QWEN2 = 4,  /**< Qwen 2/2.5/3: cl100k's shape with single digits */
    TOK_PATTERN_QWEN3_5 = 5,/**< Qwen 3.5/3.6: single digits, marks count as letters */
    TOK_PATTERN_LLAMA3 = 6, /**< Llama 3: cl100k's shape without `\s++$` */
    TOK_PATTERN_SUPERWORD = 7, /**< SuperBPE's second stage: digit groups, 2+ symbols, 2+ spaces */
    TOK_PATTERN_TEKKEN = 8, /**< Mistral Tekken: o200k's shape without contractions, single digits */
    TOK_PATTERN_DEEPSEEK = 9, /**< DeepSeek V4: its three Isolated Splits (10, 11, 12) composed */
    TOK_PATTERN_NUMBER_GROUPS = 10, /**< `\p{N}{1,3}` searched (matches and the text between) */
    TOK_PATTERN_CJK_RUNS = 11,      /**< `[一-龥぀-ゟ゠-ヿ]+` searched */
    TOK_PATTERN_DEEPSEEK_WORDS = 12,/**< DeepSeek's word regex searched (see pretok_scan.h) */
} tok_pattern;

/** 1 if `pattern` is one of tok_pattern, else 0. */
int tok_pattern_valid(int pattern);

/**
 * End offset of the pre-token piece that starts at s[pos].
 * Requires pos < len and a valid pattern. Returns a value in (pos, len]. Reads only s[0..len).
 * The piece is what the pattern's regex matches at `pos` when scanning the whole of s[0..len)
 * (patterns with `$` or a look-ahead see the real end of the text).
 */
size_t tok_pretok_next(int pattern, const uint8_t *s, size_t len, size_t pos);

/**
 * The first match of the pattern's regex in s[0..len) that starts at or after `pos`, as a
 * leftmost-first search does it (the search having started at 0 and reached `pos` at the end of
 * the previous match or at a character boundary between matches).
 * Requires pos <= len and a valid pattern. Sets *start and returns the match's end, with
 * pos <= *start < end <= len; when no match starts at or after pos, sets *start = len and
 * returns len. For the patterns whose pieces tile the text (1..9; superword's pieces include the
 * text between its isolated matches) the match starts at pos (pos < len) and ends where
 * tok_pretok_next says; for the searched patterns (10, 11, 12) the text between matches is not
 * part of any match.
 */
size_t tok_pretok_find(int pattern, const uint8_t *s, size_t len, size_t pos, size_t *start);

/**
 * The ends of the consecutive pieces from `pos` (what tok_pretok_next gives, piece after piece),
 * computed 64 bytes at a time where a pattern has a block path (r50k, the cl100k family, o200k, Tekken:
 * windows of printable ASCII, spaces, tabs, CR and LF; see pretok_scan.h). Writes at most
 * `cap` ends (a cap of 64 or more lets a window give all its pieces) and returns how many (at
 * least 1 when pos < len and cap > 0; 0 otherwise). Requires a valid pattern.
 */
size_t tok_pretok_pieces(int pattern, const uint8_t *s, size_t len, size_t pos, size_t *ends, size_t cap);

#ifdef __cplusplus
}
#endif
#endif

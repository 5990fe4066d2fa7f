/*
 * pretok.c — the pre-token scanners' entry points (the scanners are in pretok_scan.h).
 */
#include "pretok_scan.h"

int tok_pattern_valid(int pattern) {
    return pattern >= TOK_PATTERN_R50K && pattern <= TOK_PATTERN_DEEPSEEK_WORDS;
}

size_t tok_pretok_next(int pattern, const uint8_t *s, size_t len, size_t pos) {
    return tok__scan(pattern, s, len, pos); /* an invalid pattern gives one piece */
}

size_t tok_pretok_find(int pattern, const uint8_t *s, size_t len, size_t pos, size_t *start) {
    switch (pattern) {
    case TOK_PATTERN_NUMBER_GROUPS: return ds_find(TOK_PATTERN_NUMBER_GROUPS, s, len, pos, start);
    case TOK_PATTERN_CJK_RUNS: return ds_find(TOK_PATTERN_CJK_RUNS, s, len, pos, start);
    case TOK_PATTERN_DEEPSEEK_WORDS: return ds_find(TOK_PATTERN_DEEPSEEK_WORDS, s, len, pos, start);
    default:
        *start = pos;
        return pos < len ? tok__scan(pattern, s, len, pos) : len;
    }
}

size_t tok_pretok_pieces(int pattern, const uint8_t *s, size_t len, size_t pos, size_t *ends, size_t cap) {
    if (pos >= len || cap == 0) return 0;
    blk_rules rules;
    size_t hard = pos; /* (a window that gives no piece met a hard byte, or lacked bytes) */
    if (blk_pattern(pattern, &rules) && cap >= BLK_WIN) {
        uint32_t e[BLK_WIN];
        size_t n = blk_pieces(s, len, pos, rules, e, BLK_WIN, &hard);
        if (n) {
            for (size_t k = 0; k < n; k++) ends[k] = e[k];
            return n;
        }
    }
    /* the scanner, past the byte that stopped the window and BLK_SKIP more */
    size_t n = 0;
    do ends[n++] = pos = tok__scan(pattern, s, len, pos);
    while (n < cap && pos < len && pos <= hard + BLK_SKIP);
    return n;
}

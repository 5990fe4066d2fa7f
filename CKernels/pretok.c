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

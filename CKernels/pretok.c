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
    const int block = blk_pattern(pattern, &rules);
    /* a window's pieces, or the scanner's past the byte that stopped a window and BLK_SKIP more */
    size_t hard = 0, n = 0;
    uint32_t e[BLK_WIN];
    for (;;) {
        const size_t got = tok__pieces_at(pattern, block && cap - n >= BLK_WIN, rules, s, len, pos, e, &hard);
        for (size_t k = 0; k < got; k++) ends[n++] = e[k];
        pos = e[got - 1];
        if (got > 1 || n == cap || pos >= len || pos > hard + BLK_SKIP) return n;
    }
}

/*
 * pretok.c — the pre-token scanners' entry points (the scanners are in pretok_scan.h).
 */
#include "pretok_scan.h"

int tok_pattern_valid(int pattern) {
    return pattern >= TOK_PATTERN_R50K && pattern <= TOK_PATTERN_TEKKEN;
}

size_t tok_pretok_next(int pattern, const uint8_t *s, size_t len, size_t pos) {
    return tok__scan(pattern, s, len, pos); /* an invalid pattern gives one piece */
}

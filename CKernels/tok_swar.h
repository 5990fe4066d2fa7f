/*
 * tok_swar.h — eight bytes at a time ("SIMD within a register") helpers for the scanners.
 */
#ifndef TOK_SWAR_H
#define TOK_SWAR_H

#include <stdint.h>

#define TOK_ONES 0x0101010101010101ull
#define TOK_HIGHS 0x8080808080808080ull

/* The high bit of each byte of x that lies strictly between m and n (valid for m, n <= 128;
 * bytes >= 0x80 never qualify). Hacker's Delight / "bit twiddling hacks" hasbetween. */
static inline uint64_t tok__between(uint64_t x, unsigned m, unsigned n) {
    return ((TOK_ONES * (127 + n) - (x & TOK_ONES * 127)) & ~x &
            ((x & TOK_ONES * 127) + TOK_ONES * (127 - m))) & TOK_ONES * 128;
}

#endif

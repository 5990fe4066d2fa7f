/*
 * tok_pad.h — words as rows of a padded id matrix (the word-pooled byte layout of hierarchical
 * models), written in one pass.
 *
 * Row r of the matrix is: the prefix ids, then word r's bytes as ids `byte + byte_offset`, then
 * `pad` up to `nprefix + max_bytes` columns. A special row (special_ids[r] >= 0) holds its id in the
 * first byte slot instead of bytes. The mask is 1 for the prefix and the used byte slots, 0 for
 * padding; lengths[r] is the number of used byte slots (1 for a special row).
 *
 * Ids are written as integers of `elem_size` bytes (1, 2, 4 or 8), each value truncated to that
 * width (two's complement, so one function serves signed and unsigned element types). The caller
 * checks beforehand that the values it wants (pad, prefix, byte_offset..byte_offset+255, special
 * ids) fit its element type.
 */
#ifndef TOK_PAD_H
#define TOK_PAD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Writes `rows` rows of `nprefix + max_bytes` slots into `ids` (rows × columns elements of
 * `elem_size` bytes), `mask` (rows × columns bytes) and `lengths` (rows entries).
 *
 * - bytes[0..nbytes) holds the words back to back; word r is bytes[offsets[r] .. offsets[r+1]).
 *   offsets has rows + 1 entries, non-decreasing, with offsets[rows] <= nbytes.
 * - special_ids is NULL (no special rows) or has `rows` entries; an entry >= 0 makes that row special.
 * - prefix holds nprefix ids (may be NULL when nprefix is 0).
 * - max_bytes >= 1; elem_size is 1, 2, 4 or 8; otherwise (or prefix NULL with nprefix > 0) nothing
 *   is written and the return value is -2. Offsets out of order or past nbytes stop the fill with -3.
 *
 * Returns -1 when every row was written. A non-special word longer than max_bytes stops the fill:
 * the return value is its row index (>= 0), rows before it are written, it and the rest are not.
 * Reads no byte outside bytes[0..nbytes) and writes no element outside the three buffers.
 */
ptrdiff_t tok_pad_rows(const uint8_t *bytes, size_t nbytes, const ptrdiff_t *offsets, size_t rows,
                       const ptrdiff_t *special_ids, const int64_t *prefix, size_t nprefix,
                       size_t max_bytes, int64_t pad, int64_t byte_offset, size_t elem_size,
                       void *ids, uint8_t *mask, int32_t *lengths);

/** Options of tok_pad_rows_with. */
enum {
    /** Use AVX2 for 4- and 8-byte ids where the processor has it (else SSE2 on x86-64, portable C elsewhere). */
    TOK_PAD_AVX2 = 1,
    /**
     * Write with non-temporal stores where the layout allows it: blocks of 16 slots streamed from
     * the registers past the caches, when `ids` and `mask` are 16-byte aligned, nprefix is 0 and
     * max_bytes is a multiple of 16 (every block then starts on a 16-byte boundary and none spills
     * into the next row). For outputs larger than the last-level cache this saves the read of every
     * destination line an ordinary store costs and keeps the caches for other data; for small
     * outputs read right after, ordinary stores are better. Other layouts are written with
     * ordinary stores. Allocates nothing.
     */
    TOK_PAD_STREAM = 2
};

/**
 * tok_pad_rows with options (a bit set of the values above; tok_pad_rows is TOK_PAD_AVX2). The
 * output is the same with every set of options; without TOK_PAD_AVX2 only the baseline instruction
 * set is used (for tests).
 */
ptrdiff_t tok_pad_rows_with(const uint8_t *bytes, size_t nbytes, const ptrdiff_t *offsets, size_t rows,
                            const ptrdiff_t *special_ids, const int64_t *prefix, size_t nprefix,
                            size_t max_bytes, int64_t pad, int64_t byte_offset, size_t elem_size,
                            void *ids, uint8_t *mask, int32_t *lengths, unsigned options);

#ifdef __cplusplus
}
#endif

#endif

/*
 * pad.c — words as rows of a padded id matrix (see tok_pad.h).
 *
 * A row is written once, slot by slot, with no pre-fill: prefix, byte ids, padding. The byte slots
 * go 16 at a time: 16 bytes of the word are loaded (the load may run past the word's end, never past
 * the buffer), turned into ids, and blended with `pad` where the slot is past the word. A row whose
 * 16-slot blocks would read past `bytes` or write past the matrix takes the slot-by-slot path. On
 * x86-64 the blocks use SSE2 (part of the base instruction set); elsewhere a fixed 16-step loop the
 * compiler vectorizes. 4- and 8-byte ids use AVX2 where the processor has it (checked at each call).
 * (An AVX-512 row, one widening and one masked blend per 16 ids, measured no faster: the time goes to
 * the row loop and the stores, not the lane arithmetic.) Outputs larger than the caches can be
 * streamed past them (TOK_PAD_STREAM, below).
 */
#include "tok_pad.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static inline void put(void *ids, size_t i, int64_t v, size_t es) {
    switch (es) {
    case 1: ((uint8_t *)ids)[i] = (uint8_t)v; break;
    case 2: ((uint16_t *)ids)[i] = (uint16_t)v; break;
    case 4: ((uint32_t *)ids)[i] = (uint32_t)v; break;
    default: ((uint64_t *)ids)[i] = (uint64_t)v; break;
    }
}

#if defined(__SSE2__)
/* A 16-byte store: ordinary (any alignment) or non-temporal (16-byte aligned). */
static inline __attribute__((always_inline)) void st16(void *p, __m128i v, const int nt) {
    if (nt) _mm_stream_si128((__m128i *)p, v);
    else _mm_storeu_si128((__m128i *)p, v);
}
#endif

/* Byte slots of one row, 16 at a time. `out` is the row's first byte slot, `m` its mask slot; the
 * caller guarantees src[0 .. blocks*16) is readable and out/m have blocks*16 writable slots. nt:
 * non-temporal stores (16-byte aligned blocks). */
static inline __attribute__((always_inline)) void
row_blocks(const uint8_t *src, size_t n, size_t blocks, void *out, uint8_t *m, int64_t pad, int64_t off,
           const size_t es, const int nt) {
#if defined(__SSE2__)
    const __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m128i z = _mm_setzero_si128(), one = _mm_set1_epi8(1);
    for (size_t b = 0; b < blocks; b++) {
        size_t left = n > 16 * b ? n - 16 * b : 0;
        if (left > 16) left = 16;
        __m128i in = _mm_loadu_si128((const __m128i *)(const void *)(src + 16 * b));
        __m128i keep = _mm_cmplt_epi8(iota, _mm_set1_epi8((char)left));
        st16((void *)(m + 16 * b), _mm_and_si128(keep, one), nt);
        if (es == 1) {
            __m128i v = _mm_add_epi8(in, _mm_set1_epi8((char)off));
            v = _mm_or_si128(_mm_and_si128(keep, v), _mm_andnot_si128(keep, _mm_set1_epi8((char)pad)));
            st16((void *)((uint8_t *)out + 16 * b), v, nt);
        } else if (es == 2) {
            const __m128i o16 = _mm_set1_epi16((short)off), p16 = _mm_set1_epi16((short)pad);
            __m128i w[2] = {_mm_unpacklo_epi8(in, z), _mm_unpackhi_epi8(in, z)};
            __m128i k[2] = {_mm_unpacklo_epi8(keep, keep), _mm_unpackhi_epi8(keep, keep)};
            for (int q = 0; q < 2; q++) {
                __m128i v = _mm_add_epi16(w[q], o16);
                v = _mm_or_si128(_mm_and_si128(k[q], v), _mm_andnot_si128(k[q], p16));
                st16((void *)((uint16_t *)out + 16 * b + 8 * q), v, nt);
            }
        } else {
            const __m128i o32 = _mm_set1_epi32((int)off), p32 = _mm_set1_epi32((int)pad);
            __m128i lo = _mm_unpacklo_epi8(in, z), hi = _mm_unpackhi_epi8(in, z);
            __m128i klo = _mm_unpacklo_epi8(keep, keep), khi = _mm_unpackhi_epi8(keep, keep);
            __m128i w[4] = {_mm_unpacklo_epi16(lo, z), _mm_unpackhi_epi16(lo, z),
                            _mm_unpacklo_epi16(hi, z), _mm_unpackhi_epi16(hi, z)};
            __m128i k[4] = {_mm_unpacklo_epi16(klo, klo), _mm_unpackhi_epi16(klo, klo),
                            _mm_unpacklo_epi16(khi, khi), _mm_unpackhi_epi16(khi, khi)};
            for (int q = 0; q < 4; q++) {
                __m128i v = _mm_add_epi32(w[q], o32);
                v = _mm_or_si128(_mm_and_si128(k[q], v), _mm_andnot_si128(k[q], p32));
                if (es == 4) {
                    st16((void *)((uint32_t *)out + 16 * b + 4 * q), v, nt);
                } else { /* 8: sign-extend; the caller checked every value fits 32 bits */
                    __m128i sgn = _mm_srai_epi32(v, 31);
                    uint64_t *o64 = (uint64_t *)out + 16 * b + 4 * q;
                    st16((void *)o64, _mm_unpacklo_epi32(v, sgn), nt);
                    st16((void *)(o64 + 2), _mm_unpackhi_epi32(v, sgn), nt);
                }
            }
        }
    }
#else
    (void)nt;
    for (size_t b = 0; b < blocks; b++) {
        for (size_t j = 0; j < 16; j++) {
            size_t k = 16 * b + j;
            int keep = k < n;
            int64_t v = keep ? (int64_t)src[k] + off : pad;
            put(out, k, v, es);
            m[k] = (uint8_t)keep;
        }
    }
#endif
}

/* The rows of one call, stamped out per instruction set: ROW(…, es, nt) writes one row's byte slots.
 *
 * FAST_ROWS takes rows while it can without per-slot checks: not special, before `lim` (a block
 * row's spill, span - max_bytes slots, lands in the rows after it, which are written later), its
 * offsets in order and at most max_bytes apart, its block reads inside bytes. B (blocks a row) and
 * NP (prefix slots) are constants at each use, so the common layouts get loops without inner loops.
 * Any other row is written by the checked body below it, and the fast loop takes over again: a
 * special token or a long word costs one row, not the rest of the call. */
#define FAST_ROWS(ROW, NT, B, NP)                                                                          \
    for (; r < lim; r++) {                                                                                 \
        ptrdiff_t s = offsets[r], e = offsets[r + 1];                                                      \
        size_t n = (size_t)e - (size_t)s, base = r * cols;                                                 \
        if ((special_ids && special_ids[r] >= 0) || s < 0 || n > max_bytes || (size_t)s + 16 * (B) > nbytes) \
            break;                                                                                         \
        for (size_t k = 0; k != (size_t)(NP); k++) {                                                       \
            put(ids, base + k, prefix[k], es);                                                             \
            mask[base + k] = 1;                                                                            \
        }                                                                                                  \
        ROW(bytes + s, n, (B), (uint8_t *)ids + (base + (NP)) * es, mask + base + (NP), pad, off, es, NT); \
        lengths[r] = (int32_t)n;                                                                           \
    }

#define PAD_ROWS(ROW, NT)                                                                                  \
    const size_t cols = nprefix + max_bytes, total = rows * cols;                                          \
    const size_t blocks = (max_bytes + 15) / 16, span = blocks * 16;                                       \
    const size_t over = (span - max_bytes + cols - 1) / cols, lim = blocks_ok && rows > over ? rows - over : 0; \
    size_t r = 0;                                                                                          \
    for (;;) {                                                                                             \
        if (blocks == 1 && nprefix == 0) FAST_ROWS(ROW, NT, 1, 0)                                         \
        else if (blocks == 1) FAST_ROWS(ROW, NT, 1, nprefix)                                               \
        else FAST_ROWS(ROW, NT, blocks, nprefix)                                                           \
        if (r == rows) return -1;                                                                          \
        /* one row the checked way */                                                                      \
        ptrdiff_t s = offsets[r], e = offsets[r + 1];                                                      \
        if (s < 0 || e < s || (size_t)e > nbytes) return -3;                                               \
        size_t n = (size_t)(e - s), base = r * cols, first = base + nprefix;                               \
        for (size_t k = 0; k < nprefix; k++) {                                                             \
            put(ids, base + k, prefix[k], es);                                                             \
            mask[base + k] = 1;                                                                            \
        }                                                                                                  \
        if (special_ids && special_ids[r] >= 0) {                                                          \
            put(ids, first, (int64_t)special_ids[r], es);                                                  \
            mask[first] = 1;                                                                               \
            for (size_t k = 1; k < max_bytes; k++) {                                                       \
                put(ids, first + k, pad, es);                                                              \
                mask[first + k] = 0;                                                                       \
            }                                                                                              \
            n = 1;                                                                                         \
        } else if (n > max_bytes) {                                                                        \
            return (ptrdiff_t)r;                                                                           \
        } else if (blocks_ok && (size_t)s + span <= nbytes && first + span <= total) {                     \
            /* Slots past this row's end (up to 15) spill into the next rows, which are written after. */ \
            ROW(bytes + s, n, blocks, (uint8_t *)ids + first * es, mask + first, pad, off, es, NT);        \
        } else {                                                                                           \
            for (size_t k = 0; k < max_bytes; k++) {                                                       \
                int keep = k < n;                                                                          \
                put(ids, first + k, keep ? (int64_t)bytes[(size_t)s + k] + off : pad, es);                 \
                mask[first + k] = (uint8_t)keep;                                                           \
            }                                                                                              \
        }                                                                                                  \
        lengths[r] = (int32_t)n;                                                                           \
        if (++r == rows) return -1;                                                                        \
    }

#define FILL_PARAMS                                                                                        \
    const uint8_t *bytes, size_t nbytes, const ptrdiff_t *offsets, size_t rows, const ptrdiff_t *special_ids, \
        const int64_t *prefix, size_t nprefix, size_t max_bytes, int64_t pad, int64_t off, void *ids,         \
        uint8_t *mask, int32_t *lengths
#define FILL_ARGS bytes, nbytes, offsets, rows, special_ids, prefix, nprefix, max_bytes, pad, byte_offset, ids, mask, lengths

static inline __attribute__((always_inline)) ptrdiff_t fill(FILL_PARAMS, const size_t es, const int blocks_ok,
                                                             const int nt) {
    PAD_ROWS(row_blocks, nt)
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2_ROWS 1

/* A 32-byte store: ordinary (any alignment) or non-temporal (16-byte aligned, as two halves). */
static inline __attribute__((always_inline, target("avx2"))) void st32(void *p, __m256i v, const int nt) {
    if (nt) {
        _mm_stream_si128((__m128i *)p, _mm256_castsi256_si128(v));
        _mm_stream_si128((__m128i *)p + 1, _mm256_extracti128_si256(v, 1));
    } else {
        _mm256_storeu_si256((__m256i *)p, v);
    }
}

/* The byte slots of 4- and 8-byte ids with AVX2: eight 32-bit lanes per instruction. */
static inline __attribute__((always_inline, target("avx2"))) void
row_avx2(const uint8_t *src, size_t n, size_t blocks, void *out, uint8_t *m, int64_t pad, int64_t off,
         const size_t es, const int nt) {
    const __m128i iota8 = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), one = _mm_set1_epi8(1);
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), eight = _mm256_set1_epi32(8);
    const __m256i p32 = _mm256_set1_epi32((int)pad), o32 = _mm256_set1_epi32((int)off);
    for (size_t b = 0; b < blocks; b++) {
        size_t left = n > 16 * b ? n - 16 * b : 0;
        if (left > 16) left = 16;
        __m128i in = _mm_loadu_si128((const __m128i *)(const void *)(src + 16 * b));
        st16((void *)(m + 16 * b), _mm_and_si128(_mm_cmplt_epi8(iota8, _mm_set1_epi8((char)left)), one), nt);
        __m256i l = _mm256_set1_epi32((int)left);
        __m256i lo = _mm256_add_epi32(_mm256_cvtepu8_epi32(in), o32);
        __m256i hi = _mm256_add_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(in, 8)), o32);
        lo = _mm256_blendv_epi8(p32, lo, _mm256_cmpgt_epi32(l, iota));
        hi = _mm256_blendv_epi8(p32, hi, _mm256_cmpgt_epi32(_mm256_sub_epi32(l, eight), iota));
        if (es == 4) {
            uint32_t *o = (uint32_t *)out + 16 * b;
            st32((void *)o, lo, nt);
            st32((void *)(o + 8), hi, nt);
        } else { /* 8: sign-extend; the caller checked every value fits 32 bits */
            uint64_t *o = (uint64_t *)out + 16 * b;
            st32((void *)o, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(lo)), nt);
            st32((void *)(o + 4), _mm256_cvtepi32_epi64(_mm256_extracti128_si256(lo, 1)), nt);
            st32((void *)(o + 8), _mm256_cvtepi32_epi64(_mm256_castsi256_si128(hi)), nt);
            st32((void *)(o + 12), _mm256_cvtepi32_epi64(_mm256_extracti128_si256(hi, 1)), nt);
        }
    }
}

/* The AVX2 row loops: 4- or 8-byte ids, ordinary or non-temporal block stores. */
#define FILL_AVX2(NAME, ES, NT)                                                                            \
    static __attribute__((target("avx2"))) ptrdiff_t NAME(FILL_PARAMS) {                                  \
        const size_t es = ES;                                                                              \
        const int blocks_ok = 1;                                                                           \
        PAD_ROWS(row_avx2, NT)                                                                             \
    }
FILL_AVX2(fill_avx2_4, 4, 0)
FILL_AVX2(fill_avx2_8, 8, 0)
FILL_AVX2(fill_avx2_4_nt, 4, 1)
FILL_AVX2(fill_avx2_8_nt, 8, 1)
#endif

/* One call's rows, with a ceiling on the instruction set and, if nt, non-temporal block stores. */
static ptrdiff_t fill_any(const uint8_t *bytes, size_t nbytes, const ptrdiff_t *offsets, size_t rows,
                          const ptrdiff_t *special_ids, const int64_t *prefix, size_t nprefix, size_t max_bytes,
                          int64_t pad, int64_t byte_offset, void *ids, uint8_t *mask, int32_t *lengths,
                          size_t elem_size, int avx2, int nt) {
    /* 8-byte ids come from 32-bit lanes, so the 16-slot blocks need every byte id and pad to fit. */
    int fits32 = pad >= INT32_MIN && pad <= INT32_MAX && byte_offset >= INT32_MIN && byte_offset <= INT32_MAX - 255;
#ifdef HAVE_AVX2_ROWS
    if (avx2 && (elem_size == 4 || (elem_size == 8 && fits32)) && __builtin_cpu_supports("avx2")) {
        if (nt) return elem_size == 4 ? fill_avx2_4_nt(FILL_ARGS) : fill_avx2_8_nt(FILL_ARGS);
        return elem_size == 4 ? fill_avx2_4(FILL_ARGS) : fill_avx2_8(FILL_ARGS);
    }
#else
    (void)avx2;
#endif
    /* nt and the element size as constants, so each combination gets its own loops */
#define FILL_ES(NT)                                                                                        \
    switch (elem_size) {                                                                                   \
    case 1: return fill(FILL_ARGS, 1, 1, NT);                                                              \
    case 2: return fill(FILL_ARGS, 2, 1, NT);                                                              \
    case 4: return fill(FILL_ARGS, 4, 1, NT);                                                              \
    default: return fill(FILL_ARGS, 8, fits32, NT);                                                        \
    }
    if (nt) FILL_ES(1)
    FILL_ES(0)
#undef FILL_ES
}

ptrdiff_t tok_pad_rows(const uint8_t *bytes, size_t nbytes, const ptrdiff_t *offsets, size_t rows,
                       const ptrdiff_t *special_ids, const int64_t *prefix, size_t nprefix,
                       size_t max_bytes, int64_t pad, int64_t byte_offset, size_t elem_size,
                       void *ids, uint8_t *mask, int32_t *lengths) {
    return tok_pad_rows_with(bytes, nbytes, offsets, rows, special_ids, prefix, nprefix, max_bytes, pad,
                             byte_offset, elem_size, ids, mask, lengths, TOK_PAD_AVX2);
}

/*
 * Streaming (TOK_PAD_STREAM): blocks go out with non-temporal stores straight from the registers,
 * which skip the read of each destination line that an ordinary store costs (a "read for
 * ownership") and leave the caches to the caller's other data. Such a store must be 16-byte
 * aligned, and it pays only when whole lines go out once, so it is used when every block starts on
 * a 16-byte boundary and no block spills into the next row: aligned buffers, no prefix slots,
 * maxBytes a multiple of 16. Other layouts use ordinary stores. Measured and not taken: blocks
 * that spill (lines written twice, partly: 2x slower), and staging rows in L1 to copy them out in
 * whole lines (no faster: the copy waits for memory while the fill waits for the copy).
 */
ptrdiff_t tok_pad_rows_with(const uint8_t *bytes, size_t nbytes, const ptrdiff_t *offsets, size_t rows,
                            const ptrdiff_t *special_ids, const int64_t *prefix, size_t nprefix,
                            size_t max_bytes, int64_t pad, int64_t byte_offset, size_t elem_size,
                            void *ids, uint8_t *mask, int32_t *lengths, unsigned options) {
    if (max_bytes == 0 || (nprefix > 0 && !prefix)) return -2;
    if (elem_size != 1 && elem_size != 2 && elem_size != 4 && elem_size != 8) return -2;
    if (rows == 0) return -1;
    int nt = 0;
#if defined(__SSE2__)
    nt = (options & TOK_PAD_STREAM) && nprefix == 0 && max_bytes % 16 == 0 && ((uintptr_t)ids & 15) == 0 &&
         ((uintptr_t)mask & 15) == 0;
#endif
    ptrdiff_t got = fill_any(bytes, nbytes, offsets, rows, special_ids, prefix, nprefix, max_bytes, pad, byte_offset,
                             ids, mask, lengths, elem_size, (options & TOK_PAD_AVX2) != 0, nt);
#if defined(__SSE2__)
    if (nt) _mm_sfence(); /* the streamed lines are visible before the caller hands the buffers on */
#endif
    return got;
}

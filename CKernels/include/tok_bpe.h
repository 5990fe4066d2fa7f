/*
 * tok_bpe.h — byte-level BPE vocabularies: the rank table, the merge, encode and decode.
 *
 * Contracts common to every function here:
 *  - Buffers are caller-owned; lengths are in bytes; ids are uint32_t.
 *  - Functions return 0 (or a count) on success and a negative TOK_E_* code on failure.
 *  - A tok_vocab is immutable once built and may be read from many threads at once; a
 *    tok_scratch belongs to one thread at a time.
 */
#ifndef TOK_BPE_H
#define TOK_BPE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes (negative return values). */
enum {
    TOK_E_NOMEM = -1,       /**< allocation failed */
    TOK_E_BASE64 = -2,      /**< a token is not valid base64 (line in err_line) */
    TOK_E_RANK = -3,        /**< a rank is missing, not a number, or out of range (line) */
    TOK_E_DUP_RANK = -4,    /**< a rank appears twice (line; detail = rank) */
    TOK_E_DUP_BYTES = -5,   /**< the same token bytes appear twice (line; detail = first rank) */
    TOK_E_MISSING_RANK = -6,/**< ranks are not 0..n-1 (detail = the first missing rank) */
    TOK_E_EMPTY = -7,       /**< no tokens */
    TOK_E_NO_BYTE = -8,     /**< a single byte has no token (detail = the byte) */
    TOK_E_UNKNOWN_ID = -9,  /**< decode met an id with no token (detail = index in ids) */
    TOK_E_CAPACITY = -10,   /**< an output buffer is too small */
    TOK_E_PATTERN = -11,    /**< unknown pre-tokenization pattern */
    TOK_E_ID_RANGE = -12,   /**< a special token id is already a token, or too large (detail = id) */
    TOK_E_TOO_LARGE = -13,  /**< input of 4 GiB or more in one call */
    TOK_E_ARGUMENT = -14,   /**< an argument is outside its documented range */
    TOK_E_JSON = -15,       /**< malformed JSON, or a value of the wrong kind (detail = byte offset) */
    TOK_E_UNKNOWN_TOKEN = -16, /**< a token a file refers to is not in its vocabulary */
};

/** Where a build error happened. */
typedef struct {
    size_t line;     /**< 1-based line of the input, 0 when not about a line */
    uint64_t detail; /**< code-specific: a rank, a byte, an id, an index */
} tok_error_info;

typedef struct tok_vocab tok_vocab;
typedef struct tok_scratch tok_scratch;

/**
 * Parses tiktoken's text format (per line: base64 token bytes, one space, decimal rank; empty
 * lines skipped) into a new vocabulary where id = rank. Ranks must be exactly 0..n-1, each token's
 * bytes distinct, and all 256 single bytes present. On failure returns a TOK_E_* code, fills *err
 * and leaves *out NULL.
 */
int tok_vocab_parse_tiktoken(const uint8_t *text, size_t len, tok_vocab **out, tok_error_info *err);

/** Frees a vocabulary (NULL is fine). */
void tok_vocab_free(tok_vocab *v);

/**
 * Adds a special token: decodable, never produced by BPE. `id` must not be a rank or another
 * special's id, and must be below the rank count + 2^20. Not thread-safe: call before sharing
 * the vocabulary.
 */
int tok_vocab_add_special(tok_vocab *v, uint32_t id, const uint8_t *bytes, size_t n);

/** Number of mergeable tokens (ranks 0..n-1). */
uint32_t tok_vocab_rank_count(const tok_vocab *v);
/** One more than the largest id, special tokens included. */
uint32_t tok_vocab_id_limit(const tok_vocab *v);
/** Length in bytes of the longest mergeable token. */
uint32_t tok_vocab_max_token_len(const tok_vocab *v);

/** Id of the mergeable token with exactly these bytes, or -1. */
int64_t tok_vocab_lookup(const tok_vocab *v, const uint8_t *bytes, size_t n);

/**
 * Bytes of token `id` (mergeable or special): sets *n and returns a pointer into the vocabulary,
 * valid while it lives; NULL when the id has no token.
 */
const uint8_t *tok_vocab_token(const tok_vocab *v, uint32_t id, size_t *n);

/** A per-thread work area for encoding (reused buffers, nothing shared). */
tok_scratch *tok_scratch_new(void);
void tok_scratch_free(tok_scratch *sc);

/**
 * BPE-encodes one piece s[0..n) by rank (the lowest-ranked adjacent pair merges first, the
 * leftmost on ties: tiktoken's rule). Writes the ids to out (capacity >= n) and returns their
 * number, or a negative code. Whole-piece lookup first; short pieces use the quadratic scan,
 * longer ones a tournament tree, so the worst case is O(n log n); pieces of 256 bytes or more
 * are merged in chunks whose every boundary is checked by the pairwise property of BPE (see
 * bpe.c), which gives the same ids in less time.
 */
ptrdiff_t tok_bpe_piece(const tok_vocab *v, const uint8_t *s, size_t n, uint32_t *out,
                        tok_scratch *sc);

/**
 * The pairwise test of BPE: 1 when BPE alone on the bytes of mergeable token a followed by those
 * of b gives exactly [a, b], 0 when not; TOK_E_ARGUMENT for an id that is not mergeable or no
 * `sc`, TOK_E_NOMEM. Inside one pre-token piece, a token sequence is BPE's own exactly when every
 * adjacent pair passes; tok_bpe_piece stitches long pieces by this test. Memoized in `sc`.
 */
int tok_bpe_pair_valid(const tok_vocab *v, uint32_t a, uint32_t b, tok_scratch *sc);

/**
 * The same result as tok_bpe_piece by the plain merge alone: no whole-piece lookup, no caches,
 * no stitching of long pieces (the quadratic loop up to 64 bytes, the tournament tree above).
 * Slower; for tests that check the fast paths against it. Returns TOK_E_NOMEM without `sc`
 * for n > 64.
 */
ptrdiff_t tok_bpe_piece_reference(const tok_vocab *v, const uint8_t *s, size_t n, uint32_t *out,
                                  tok_scratch *sc);

/**
 * Pre-tokenizes s[0..len) with `pattern` (tok_pattern) from byte *pos and BPE-encodes pieces
 * while their ids surely fit: a piece of n bytes is started only if at most `cap` ids result
 * (n <= cap - written). Writes ids[] and, when starts is not NULL, starts[k] = the byte offset
 * in s where token k begins. Advances *pos to the first byte not encoded (a piece boundary) and
 * returns the number of ids written; call again until *pos == len. Returns TOK_E_CAPACITY when
 * the next piece alone is longer than cap, *pos unchanged and, when `need` is not NULL, *need
 * set to that piece's length in bytes (buffers of that many ids hold it), so that the caller
 * does not scan the piece again to size them; or another negative code. len must be below 2^32.
 * The pattern regexes see all of s[0..len) (look-aheads and `$` at the real end), whatever *pos
 * is.
 */
ptrdiff_t tok_encode_ordinary(const tok_vocab *v, int pattern, const uint8_t *s, size_t len,
                              size_t *pos, uint32_t *ids, uint32_t *starts, size_t cap, size_t *need,
                              tok_scratch *sc);

/**
 * tok_encode_ordinary with the tokens' starts as bits instead of offsets: for each token, bit
 * (start + bit_offset) of start_bits is set (bit b is bit b % 64 of word b / 64; other bits are
 * left as they are), start being its byte offset in s. start_bits must hold len + bit_offset
 * bits; TOK_E_ARGUMENT when it is NULL. For statistics that need only where tokens begin (the
 * words a token boundary splits), without an array of offsets and a second pass over it.
 */
ptrdiff_t tok_encode_ordinary_marking(const tok_vocab *v, int pattern, const uint8_t *s, size_t len,
                                      size_t *pos, uint32_t *ids, uint64_t *start_bits, size_t bit_offset,
                                      size_t cap, size_t *need, tok_scratch *sc);

/**
 * Writes the bytes of ids[0..n) (64-bit, as Swift's Int) to out in one pass. The copy loop writes
 * whole 16-byte words, so only cap - 16 bytes are usable. Returns the number of bytes written;
 * TOK_E_UNKNOWN_ID (err->detail = the index of the first id with no token, negative ids
 * included); or TOK_E_CAPACITY when the bytes do not fit: call tok_decode_len for the exact
 * size and try again.
 */
int64_t tok_decode(const tok_vocab *v, const int64_t *ids, size_t n, uint8_t *out, size_t cap,
                   tok_error_info *err);

/** Total decoded length of ids[0..n), or TOK_E_UNKNOWN_ID with err->detail = the index. */
int64_t tok_decode_len(const tok_vocab *v, const int64_t *ids, size_t n, tok_error_info *err);

#ifdef __cplusplus
}
#endif
#endif

/*
 * tok_loader.h — the large sections of tokenizer files, read in C: a Hugging Face
 * tokenizer.json's model vocabulary (an object of token → id) and merges (a list of "A B"
 * strings or [A, B] pairs) hold hundreds of thousands of entries, and reading them through
 * generic JSON values dominated load time.
 *
 * Contracts: inputs are byte ranges of a JSON document (the caller finds them with
 * tok_json_skip); strings are unescaped exactly as JSON defines (\uXXXX surrogate pairs joined,
 * a lone surrogate read as U+FFFD, raw bytes kept as they are). On failure a function returns a
 * negative TOK_E_* code, the byte offset of the problem in *err_pos and a static message in *why.
 */
#ifndef TOK_LOADER_H
#define TOK_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "tok_bpe.h"
#include "tok_merge.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Skips the JSON value that starts at text[pos] (after optional whitespace). Returns the offset
 * just past it, or TOK_E_JSON (malformed JSON) with *err_pos and *why. Nesting is limited
 * to 512 levels.
 */
int64_t tok_json_skip(const uint8_t *text, size_t len, size_t pos, size_t *err_pos, const char **why);

/**
 * Reads the JSON object text[start..end) of string → integer id (0 <= id < 2^31) into `map`
 * (a repeated key keeps the later id). Sets *max_id to the largest id (-1 when empty).
 * Returns the number of pairs, or a negative code: TOK_E_JSON for malformed JSON or an id
 * out of range (with *err_pos, *why), TOK_E_NOMEM.
 */
int64_t tok_json_read_vocab(const uint8_t *text, size_t start, size_t end, tok_strmap *map, int64_t *max_id,
                            size_t *err_pos, const char **why);

/**
 * Reads the JSON array text[start..end) of merges, each "A B" (split at the first space) or
 * ["A", "B"], and sets merge k (its index) in `table`: (id of A, id of B) → (rank k, id of A·B'),
 * where B' is B without its first prefix_len bytes when B starts with prefix[0..prefix_len)
 * (the continuing-subword prefix), else B. Ids come from `map`. Returns the number of merges,
 * or a negative code with *err_index = the merge's index, *err_pos and *why: TOK_E_JSON (a
 * malformed entry), TOK_E_UNKNOWN_TOKEN (A or B, or A·B', is not in the map: *why says which),
 * TOK_E_NOMEM.
 */
int64_t tok_json_read_merges(const uint8_t *text, size_t start, size_t end, const tok_strmap *map,
                             const uint8_t *prefix, size_t prefix_len, tok_merges *table, size_t *err_index,
                             size_t *err_pos, const char **why);

/**
 * The bytes each token string of a byte-level vocabulary (GPT-2's byte-to-character alphabet)
 * spells, from the strings by id: spans[id] is offset << 32 | length into `arena`
 * (UINT64_MAX: no token). Each byte-level string's bytes go to out_arena (which needs as many
 * bytes as the strings take), with out_spans[id] as spans (UINT64_MAX for no token or another
 * alphabet), and into `raw` (bytes → id). Returns the number decoded, or TOK_E_NOMEM.
 */
int64_t tok_byte_level_table(const uint8_t *arena, const uint64_t *spans, size_t n, tok_strmap *raw,
                             uint8_t *out_arena, uint64_t *out_spans);

/**
 * Reads the `vocab` array text[start..end) of a Mistral Tekken file: objects with an integer
 * "rank" and "token_bytes" (standard base64 of the token's bytes), other keys skipped. For each
 * rank below n the decoded bytes go to `arena` (which needs end - start bytes) and spans[rank] is
 * offset << 32 | length; spans has n entries, set here to UINT64_MAX first (a rank never seen
 * stays so); ranks at or above n are checked but not kept. Sets *arena_len to the bytes used.
 * Returns the number of objects, or a negative code with *err_index = the object's index,
 * *err_field (1: its rank, 2: its token_bytes, 0: the JSON itself), *err_detail (the rank, for a
 * repeated one), *err_pos and *why ("missing", "repeated" (or negative), "not base64 bytes", or a
 * JSON error): TOK_E_JSON, TOK_E_NOMEM.
 */
int64_t tok_tekken_read_vocab(const uint8_t *text, size_t start, size_t end, uint32_t n, uint8_t *arena,
                              uint64_t *spans, size_t *arena_len, size_t *err_index, int *err_field,
                              uint64_t *err_detail, size_t *err_pos, const char **why);

/**
 * Each key of `map` by its value: ptrs[v]/lens[v] for v < cap (pointers into map's storage,
 * valid while it lives and is not changed; a value held by two keys reports one of them).
 * Returns the number of keys.
 */
size_t tok_strmap_by_value(const tok_strmap *map, const uint8_t **ptrs, uint32_t *lens, size_t cap);

#ifdef __cplusplus
}
#endif

#endif

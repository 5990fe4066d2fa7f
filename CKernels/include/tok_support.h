/*
 * tok_support.h — hashing, compression, the embedded vocabularies and ICU glue.
 */
#ifndef TOK_SUPPORT_H
#define TOK_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** SHA-256 of data[0..len) into out[0..32) (with the x86 SHA extensions where the processor has them). */
void tok_sha256(const uint8_t *data, size_t len, uint8_t out[32]);

/** tok_sha256 without the processor's SHA extensions (what tests compare it with). */
void tok_sha256_portable(const uint8_t *data, size_t len, uint8_t out[32]);

/**
 * Decompresses one or more zstd frames in src[0..n) into a new buffer (free it with tok_free).
 * Returns 0, or -1 with a static message in *why when the data is not zstd, is truncated or
 * corrupt, or memory runs out. `limit` caps the decompressed size (0 = no cap).
 */
int tok_zstd_decompress(const uint8_t *src, size_t n, size_t limit, uint8_t **out, size_t *out_len,
                        const char **why);

/** Compressed size of src[0..n) at zstd `level`, or -1 on error (the analytics baseline). */
int64_t tok_zstd_compressed_size(const uint8_t *src, size_t n, int level);

/** Frees memory the kernels allocated for the caller. */
void tok_free(void *p);

/**
 * The zstd-compressed vocabulary built into the library under `name` ("r50k_base",
 * "cl100k_base", "o200k_base"): sets *n and returns the bytes, or NULL for another name.
 */
const uint8_t *tok_embedded_vocab(const char *name, size_t *n);

/** TOK_CLS_* bits of cp as ICU computes them (to cross-check the generated tables). */
uint8_t tok_icu_class(uint32_t cp);

/** 1 when ICU knows cp as assigned (General_Category other than Cn), else 0. */
int tok_icu_is_assigned(uint32_t cp);

/**
 * Script runs of UTF-8 text s[0..len) whose words tok_icu_words found (nw (start, end) pairs, in
 * order): the words grouped by their ICU script (the first character of the word whose script is
 * not Common or Inherited; a word of only such characters keeps the current run's script). Spaces
 * and punctuation join the run before them (the first run when leading). Each run's starting byte
 * offset goes to *starts and its ICU UScriptCode to *scripts, buffers this allocates (the caller
 * frees both with free()). Returns the number of runs (one Common run when no word has a script;
 * 0 for empty text, with NULL buffers), -1 when memory runs out, -3 when a word's offsets are out
 * of order or past len (NULL buffers on both).
 */
int64_t tok_icu_script_runs_of_words(const uint8_t *s, size_t len, const uint32_t *words, size_t nw,
                                     uint32_t **starts, int32_t **scripts);

/**
 * The words of UTF-8 text: its UAX #29 word segments whose rule status is a word's (>= 100:
 * letters, numbers, kana, ideographs), in order, as (start, end) byte offsets, two entries a
 * word, in a buffer this allocates (*words; the caller frees it with free(); NULL when there are
 * none). Returns how many words, -1 when memory runs out, -2 on an ICU error or when
 * len >= 2^31 (*words NULL on both).
 */
int64_t tok_icu_words(const uint8_t *s, size_t len, uint32_t **words);

/**
 * tok_icu_words with its own scanners on (ascii_fast 1, what tok_icu_words does) or off (0: every
 * line through ICU; for tests). With them, spans of ASCII lines are segmented from bit masks
 * (SSE2) or by a scanner of ICU's rules, and so are lines whose characters all have one of the
 * simple word-break classes ICU's own properties give (letters and digits of alphabetic scripts,
 * MidNum/MidNumLet punctuation, spaces, other symbols: Latin, Greek, Cyrillic, curly quotes,
 * dashes ...); every other line goes to ICU. The words are the same either way.
 */
int64_t tok_icu_words_with(const uint8_t *s, size_t len, uint32_t **words, int ascii_fast);

/**
 * How many of the words (n_words (start, end) pairs, as tok_icu_words writes them) have a token
 * starting strictly inside them. `starts` is a bitmap of the tokens' first bytes (bit p of word
 * p / 64: a token starts at byte p) over n_bits bytes, at least the text's length rounded up to
 * 64 (tok_encode_ordinary_marking fills it). A word reaching past n_bits is looked at up to n_bits.
 */
uint64_t tok_split_words(const uint32_t *words, size_t n_words, const uint64_t *starts, size_t n_bits);

/**
 * Characters (UTF-8 units as tok_utf8_at counts them: each ill-formed unit is one), line feeds,
 * and whitespace-separated words (runs of bytes other than space and \t\n\v\f\r) of s[0..len).
 */
void tok_text_stats(const uint8_t *s, size_t len, uint64_t *chars, uint64_t *newlines, uint64_t *ws_words);

/**
 * The processors this process may run on: its CPU affinity mask's count where the system has one
 * (Linux: `taskset`, cgroup cpusets), else the online processors; at least 1.
 */
int tok_cpu_count(void);

/** The long name of an ICU script code ("Latin", "Cyrillic"), or "Unknown". */
const char *tok_icu_script_name(int32_t code);

/**
 * Extended grapheme cluster boundaries of s[0..len) by ICU's character break iterator (the
 * Unicode version of the linked ICU). `s` must be valid UTF-8 (the caller separates ill-formed
 * bytes). Writes the end offset of each cluster to `ends` (at most `cap`; `len` always suffices).
 * Returns the number of clusters, -1 if `cap` is too small, -2 if ICU fails or len >= 2^31.
 */
int64_t tok_icu_grapheme_ends(const uint8_t *s, size_t len, size_t *ends, size_t cap);

#ifdef __cplusplus
}
#endif
#endif

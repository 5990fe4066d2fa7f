/*
 * pretok_scan.h — hand-written scanners (static inline, so encode loops specialize per pattern) equal to the tiktoken split regexes.
 *
 * Performance notes. A backtracking regex engine spends most of tiktoken's time; these scanners
 * decode each character once (ASCII without a table walk) and decide the alternative from the
 * first one or two characters, which is what the regexes' structure allows:
 *
 *  - the alternatives start with disjoint or ordered character classes, so the first character
 *    (and for "optional prefix then class" alternatives, the second) picks the alternative;
 *  - `\s+(?!\S)` backtracks exactly one character off a whitespace run that is followed by a
 *    non-space, and matches the whole run at the end of the text;
 *  - `\s*[\r\n]` (and `\s*[\r\n]+`) matches a whitespace run up to and including its last CR/LF;
 *  - o200k's `P?U*W+C?` and `P?U+W*C?` are resolved with the exact backtracking order: the prefix
 *    first taken then not, the U run shortened to the last position where a W character starts.
 *
 * Where a regex is case-insensitive (`(?i:'s|…)`), the Rust engine folds with Unicode simple case
 * folding, so `'ſ` (U+017F) is a contraction too; contraction_ci follows that.
 */
#ifndef TOK_PRETOK_SCAN_H
#define TOK_PRETOK_SCAN_H

#include "tok_pretok.h"
#include "tok_swar.h"
#include "tok_unicode.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define L_ TOK_CLS_L
#define N_ TOK_CLS_N
#define WS_ TOK_CLS_WS
#define UC_ TOK_CLS_UC
#define LC_ TOK_CLS_LC
#define M_ TOK_CLS_M

static inline __attribute__((always_inline)) tok_char at(const uint8_t *s, size_t len, size_t i) {
    return tok_utf8_at(s, len, i);
}

static inline int is_crlf(uint32_t cp) { return cp == '\r' || cp == '\n'; }

/* Class bits of ASCII bytes, one load (the same values as the generated table). */
static const uint8_t ASCII[256] = {
    ['\t'] = WS_, ['\n'] = WS_, ['\v'] = WS_, ['\f'] = WS_, ['\r'] = WS_, [' '] = WS_,
    ['0'] = N_, ['1'] = N_, ['2'] = N_, ['3'] = N_, ['4'] = N_, ['5'] = N_, ['6'] = N_, ['7'] = N_,
    ['8'] = N_, ['9'] = N_,
#define U(c) [c] = L_ | UC_
#define W(c) [c] = L_ | LC_
    U('A'), U('B'), U('C'), U('D'), U('E'), U('F'), U('G'), U('H'), U('I'), U('J'), U('K'), U('L'), U('M'),
    U('N'), U('O'), U('P'), U('Q'), U('R'), U('S'), U('T'), U('U'), U('V'), U('W'), U('X'), U('Y'), U('Z'),
    W('a'), W('b'), W('c'), W('d'), W('e'), W('f'), W('g'), W('h'), W('i'), W('j'), W('k'), W('l'), W('m'),
    W('n'), W('o'), W('p'), W('q'), W('r'), W('s'), W('t'), W('u'), W('v'), W('w'), W('x'), W('y'), W('z'),
#undef U
#undef W
    /* the 32 ASCII punctuation characters, each \p{P} or \p{S} */
#define P(c) [c] = TOK_CLS_PS
    P('!'), P('"'), P('#'), P('$'), P('%'), P('&'), P('\''), P('('), P(')'), P('*'), P('+'), P(','),
    P('-'), P('.'), P('/'), P(':'), P(';'), P('<'), P('='), P('>'), P('?'), P('@'), P('['), P('\\'),
    P(']'), P('^'), P('_'), P('`'), P('{'), P('|'), P('}'), P('~'),
#undef P
};


/* End of the run of ASCII bytes in [lo, hi] (inclusive, both < 0x80) from i, 8 bytes a step with no
 * branch per byte (a word of up to 8 letters costs one step). */
static inline __attribute__((always_inline)) size_t ascii_span(const uint8_t *s, size_t len, size_t i,
                                                               unsigned lo, unsigned hi) {
    while (i + 8 <= len) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t in = tok__between(w, lo - 1, hi + 1);
        if (in != TOK_ONES * 128) return i + (size_t)(__builtin_ctzll(~in & (TOK_ONES * 128)) >> 3);
        i += 8;
    }
    while (i < len && s[i] >= lo && s[i] <= hi) i++;
    return i;
}

/* End of the run of ASCII letters from i (A-Z, a-z): lowercase the word by setting 0x20, which
 * maps exactly the letters into 'a'..'z' (and no other byte below 0x80 there). */
static inline __attribute__((always_inline)) size_t ascii_letters(const uint8_t *s, size_t len, size_t i) {
    while (i + 8 <= len) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t in = tok__between(w | TOK_ONES * 0x20, 'a' - 1, 'z' + 1) & ~(w & TOK_ONES * 128);
        if (in != TOK_ONES * 128) return i + (size_t)(__builtin_ctzll(~in & (TOK_ONES * 128)) >> 3);
        i += 8;
    }
    while (i < len && s[i] < 0x80 && (ASCII[s[i]] & L_)) i++;
    return i;
}

/* End of the ASCII run of bytes having a bit of `mask` from i; stops at the first non-ASCII byte
 * (the caller continues with the general loop when s[end] >= 0x80). */
static inline __attribute__((always_inline)) size_t ascii_run_any(const uint8_t *s, size_t len, size_t i,
                                                                  uint8_t mask) {
    while (i < len && (ASCII[s[i]] & mask)) i++; /* bytes >= 0x80 have class 0: they stop here */
    return i;
}

static inline __attribute__((always_inline)) size_t ascii_run_none(const uint8_t *s, size_t len, size_t i,
                                                                   uint8_t mask) {
    while (i < len && s[i] < 0x80 && !(ASCII[s[i]] & mask)) i++;
    return i;
}

/* End of the run of characters having any bit of `mask`, starting at i. */
static inline __attribute__((always_inline)) size_t run_any(const uint8_t *s, size_t len, size_t i, uint8_t mask) {
    if (mask == L_ || mask == (L_ | M_)) i = ascii_letters(s, len, i);
    else if (mask == UC_) i = ascii_span(s, len, i, 'A', 'Z');
    else if (mask == LC_) i = ascii_span(s, len, i, 'a', 'z');
    else i = ascii_run_any(s, len, i, mask);
    while (i < len) {
        uint8_t b = s[i];
        if (b < 0x80) {
            if (!(tok_ucls(b) & mask)) break;
            i++;
            continue;
        }
        tok_char c = at(s, len, i);
        if (!(c.cls & mask)) break;
        i += c.len;
    }
    return i;
}

/* End of the run of characters having no bit of `mask`, starting at i. */
static inline __attribute__((always_inline)) size_t run_none(const uint8_t *s, size_t len, size_t i, uint8_t mask) {
    i = ascii_run_none(s, len, i, mask);
    while (i < len) {
        uint8_t b = s[i];
        if (b < 0x80) {
            if (tok_ucls(b) & mask) break;
            i++;
            continue;
        }
        tok_char c = at(s, len, i);
        if (c.cls & mask) break;
        i += c.len;
    }
    return i;
}

/* End of the run of CR/LF (and '/' when slash) characters from i. */
static inline size_t run_crlf(const uint8_t *s, size_t len, size_t i, int slash) {
    while (i < len && (s[i] == '\r' || s[i] == '\n' || (slash && s[i] == '/'))) i++;
    return i;
}

/* A whitespace run from i: its end, the start of its last character, the end of its last CR/LF
 * (0 when none) and whether it has two or more characters. */
typedef struct {
    size_t end, last_start, crlf_end;
    int multi;
} ws_run;

static inline ws_run scan_ws(const uint8_t *s, size_t len, size_t i) {
    ws_run r = {i, i, 0, 0};
    size_t n = 0;
    while (i < len) {
        uint8_t b = s[i];
        if (b == ' ') { /* runs of spaces, eight bytes a step */
            size_t j = i + 1;
            for (uint64_t w; j + 8 <= len && (memcpy(&w, s + j, 8), w == 0x2020202020202020ull);) j += 8;
            while (j < len && s[j] == ' ') j++;
            n += j - i;
            r.last_start = j - 1;
            i = j;
            continue;
        }
        if (b < 0x80) { /* other ASCII: one table load */
            if (!(ASCII[b] & WS_)) break;
            r.last_start = i++;
            if (b == '\r' || b == '\n') r.crlf_end = i;
            n++;
            continue;
        }
        tok_char c = at(s, len, i);
        if (!(c.cls & WS_)) break;
        r.last_start = i;
        i += c.len;
        if (is_crlf(c.cp)) r.crlf_end = i;
        n++;
    }
    r.end = i;
    r.multi = n >= 2;
    return r;
}

/* Unicode simple case folding for the contraction letters: ASCII upper to lower, U+017F to 's'. */
static inline uint32_t fold(uint32_t cp) {
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    if (cp == 0x17F) return 's';
    return cp;
}

/* s[i] == '\''. Case-insensitive 's 't 'm 'd 'll 've 're: end of the match, or 0. */
static inline size_t contraction_ci(const uint8_t *s, size_t len, size_t i) {
    size_t j = i + 1;
    if (j >= len) return 0;
    tok_char a = at(s, len, j);
    uint32_t x = fold(a.cp);
    if (x == 's' || x == 't' || x == 'm' || x == 'd') return j + a.len;
    if (x == 'l' || x == 'v' || x == 'r') {
        size_t k = j + a.len;
        if (k >= len) return 0;
        tok_char b = at(s, len, k);
        uint32_t y = fold(b.cp);
        if ((x == 'l' && y == 'l') || (x != 'l' && y == 'e')) return k + b.len;
    }
    return 0;
}

/* s[i] == '\''. Case-sensitive (r50k): 's 't 'm 'd 'll 've 're. */
static inline size_t contraction_cs(const uint8_t *s, size_t len, size_t i) {
    if (i + 1 >= len) return 0;
    uint8_t a = s[i + 1];
    if (a == 's' || a == 'd' || a == 'm' || a == 't') return i + 2;
    if (i + 2 >= len) return 0;
    uint8_t b = s[i + 2];
    if ((a == 'l' && b == 'l') || (a == 'v' && b == 'e') || (a == 'r' && b == 'e')) return i + 3;
    return 0;
}

/* End of up to `maxdig` consecutive \p{N} characters from i (s[i] is one). */
static inline size_t run_digits(const uint8_t *s, size_t len, size_t i, size_t first_len, int maxdig) {
    size_t e = i + first_len;
    for (int k = 1; k < maxdig && e < len; k++) {
        tok_char n = at(s, len, e);
        if (!(n.cls & N_)) break;
        e += n.len;
    }
    return e;
}

/*
 * r50k: '(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s
 * An optional space binds to the class of the character after it; whitespace runs follow
 * `\s++$` (whole run at the end), `\s+(?!\S)` (run less its last character) and `\s`.
 */
static inline size_t scan_r50k(const uint8_t *s, size_t len, size_t i) {
    uint8_t b = s[i];
    if (b < 0x80 && b != '\'') {
        uint8_t c0 = ASCII[b];
        if (c0 & L_) return run_any(s, len, i + 1, L_);
        if (b == ' ' && i + 1 < len && s[i + 1] < 0x80 && (ASCII[s[i + 1]] & L_)) return run_any(s, len, i + 2, L_);
    }
    tok_char c = at(s, len, i);
    if (c.cp == '\'') {
        size_t e = contraction_cs(s, len, i);
        if (e) return e;
    }
    size_t j = i;
    tok_char d = c;
    if (c.cp == ' ' && i + 1 < len) {
        tok_char n = at(s, len, i + 1);
        if (!(n.cls & WS_)) { j = i + 1; d = n; }
    }
    if (d.cls & L_) return run_any(s, len, j + d.len, L_);
    if (d.cls & N_) return run_any(s, len, j + d.len, N_);
    if (!(d.cls & WS_)) return run_none(s, len, j + d.len, L_ | N_ | WS_);
    ws_run w = scan_ws(s, len, i);
    if (w.end == len) return w.end;
    if (w.multi) return w.last_start;
    return i + c.len;
}

/*
 * The cl100k family (cl100k, Llama-3, Qwen2, Qwen3.5):
 *   '(?i:[sdmt]|ll|ve|re) | [^\r\n\p{L}\p{N}]?+LETTER+ | \p{N}{1,MAXDIG} | ?[^\s LETTER \p{N}]++[\r\n]*
 *   | \s++$ | \s*[\r\n] | \s+(?!\S) | \s
 * with LETTER = \p{L} (or [\p{L}\p{M}] for Qwen3.5). Llama-3's and Qwen's variants write
 * `\s*[\r\n]+` and a final `\s+` (the same pieces as `\s*[\r\n]` and `\s`) but have no `\s++$`:
 * there a trailing run such as "\n  " splits after its last CR/LF (`dollar` = 0).
 */
static inline size_t scan_cl(const uint8_t *s, size_t len, size_t i, int maxdig, uint8_t letters,
                      int dollar) {
    /* ASCII fast path for the common pieces: a letter run, one non-letter non-digit ASCII
     * character (space, punctuation, tab) then a letter run, a short digit run. */
    uint8_t b = s[i];
    if (b < 0x80 && b != '\'' && b != '\r' && b != '\n') {
        uint8_t c0 = ASCII[b];
        if (c0 & L_) return run_any(s, len, i + 1, letters);
        if (!(c0 & N_) && i + 1 < len && s[i + 1] < 0x80 && (ASCII[s[i + 1]] & L_))
            return run_any(s, len, i + 2, letters);
    }
    tok_char c = at(s, len, i);
    if (c.cp == '\'') {
        size_t e = contraction_ci(s, len, i);
        if (e) return e;
    }
    if (c.cls & letters) return run_any(s, len, i + c.len, letters);
    /* c is in [^\r\n\p{L}\p{N}]: it may prefix a letter run */
    if (!(c.cls & (L_ | N_)) && !is_crlf(c.cp) && i + c.len < len) {
        tok_char n = at(s, len, i + c.len);
        if (n.cls & letters) return run_any(s, len, i + c.len + n.len, letters);
    }
    if (c.cls & N_) return run_digits(s, len, i, c.len, maxdig);
    uint8_t not_other = (uint8_t)(WS_ | L_ | N_ | (letters & M_));
    if (c.cp == ' ' && i + 1 < len) {
        tok_char n = at(s, len, i + 1);
        if (!(n.cls & not_other))
            return run_crlf(s, len, run_none(s, len, i + 1 + n.len, not_other), 0);
    }
    if (!(c.cls & not_other)) return run_crlf(s, len, run_none(s, len, i + c.len, not_other), 0);
    ws_run w = scan_ws(s, len, i);
    if (dollar && w.end == len) return w.end; /* \s++$ */
    if (w.crlf_end) return w.crlf_end;        /* \s*[\r\n] */
    if (w.end == len) return w.end;           /* \s+(?!\S) at the end */
    if (w.multi) return w.last_start;         /* \s+(?!\S) */
    return i + c.len;                         /* \s */
}

/* o200k, first alternative at st: [UC]*[LC]+ then an optional contraction. 0 if no match. */
static inline size_t o200k_alt1(const uint8_t *s, size_t len, size_t st, int contr) {
    size_t i = st, w = (size_t)-1;
    while (i < len) {
        tok_char c = at(s, len, i);
        if (!(c.cls & UC_)) {
            if (c.cls & LC_) w = i; /* an Ll right after the U run: W+ starts there */
            break;
        }
        if (c.cls & LC_) w = i; /* backtracking U* stops at the last U char that is also W */
        i += c.len;
    }
    if (w == (size_t)-1) return 0;
    size_t e = run_any(s, len, w, LC_);
    if (contr && e < len && s[e] == '\'') {
        size_t k = contraction_ci(s, len, e);
        if (k) return k;
    }
    return e;
}

/* o200k, second alternative at st: [UC]+[LC]* then an optional contraction. 0 if no match. */
static inline size_t o200k_alt2(const uint8_t *s, size_t len, size_t st, int contr) {
    size_t u = run_any(s, len, st, UC_);
    if (u == st) return 0;
    size_t e = run_any(s, len, u, LC_);
    if (contr && e < len && s[e] == '\'') {
        size_t k = contraction_ci(s, len, e);
        if (k) return k;
    }
    return e;
}

/*
 * o200k (non-possessive, so the backtracking order matters):
 *   P?[UC]*[LC]+C? | P?[UC]+[LC]*C? | \p{N}{1,3} | ?[^\s\p{L}\p{N}]+[\r\n/]* | \s*[\r\n]+ | \s+(?!\S) | \s+
 * with P = [^\r\n\p{L}\p{N}] (which includes marks, also members of UC and LC). Each of the first
 * two alternatives is tried with the prefix taken, then without, before the next alternative.
 * There is no `\s++$` here: at the end of the text a run with a CR/LF stops after its last CR/LF.
 * Mistral's Tekken pattern is the same without the contractions C and with single digits \p{N}
 * (contr 0, maxdig 1).
 */
static inline size_t scan_o200k(const uint8_t *s, size_t len, size_t i, int contr, int maxdig) {
    /* ASCII fast path for words: [P]Upper*lower+ (the first alternative) or [P]Upper+ (the
     * second), P a non-letter non-digit ASCII character other than CR/LF. ASCII letters are
     * either UC or LC, never both, so the backtracking collapses to: take the prefix, the upper
     * run, then the lower run. Anything that a non-ASCII character could continue goes to the
     * general path. */
    uint8_t b = s[i];
    if (b < 0x80) {
        uint8_t c0 = ASCII[b];
        size_t st = i;
        if (!(c0 & (L_ | N_)) && b != '\r' && b != '\n' && i + 1 < len && (ASCII[s[i + 1]] & L_)) st = i + 1;
        if (st != i || (c0 & L_)) {
            size_t u = ascii_span(s, len, st, 'A', 'Z');
            size_t e = ascii_span(s, len, u, 'a', 'z');
            if (e == len || s[e] < 0x80) {
                if (contr && e < len && s[e] == '\'') {
                    size_t k = contraction_ci(s, len, e);
                    if (k) return k;
                }
                return e;
            }
        }
    }
    tok_char c = at(s, len, i);
    size_t e;
    /* An ASCII non-letter followed by an ASCII non-letter (or the end) starts no word: with the
     * prefix the word would begin at the next byte, without it at this one, and neither is a
     * letter or a mark. */
    int words_possible = !(b < 0x80 && !(ASCII[b] & L_) &&
                           (i + 1 >= len || (s[i + 1] < 0x80 && !(ASCII[s[i + 1]] & L_))));
    if (words_possible) {
        int has_p = !(c.cls & (L_ | N_)) && !is_crlf(c.cp) && i + c.len < len;
        if (has_p && (e = o200k_alt1(s, len, i + c.len, contr))) return e;
        if ((e = o200k_alt1(s, len, i, contr))) return e;
        if (has_p && (e = o200k_alt2(s, len, i + c.len, contr))) return e;
        if ((e = o200k_alt2(s, len, i, contr))) return e;
    }
    if (c.cls & N_) return run_digits(s, len, i, c.len, maxdig);
    const uint8_t not_other = WS_ | L_ | N_;
    if (c.cp == ' ' && i + 1 < len) {
        tok_char n = at(s, len, i + 1);
        if (!(n.cls & not_other))
            return run_crlf(s, len, run_none(s, len, i + 1 + n.len, not_other), 1);
    }
    if (!(c.cls & not_other)) return run_crlf(s, len, run_none(s, len, i + c.len, not_other), 1);
    ws_run w = scan_ws(s, len, i);
    if (w.crlf_end) return w.crlf_end;
    if (w.end == len) return w.end;
    if (w.multi) return w.last_start;
    return w.end;
}

/* SuperBPE's second stage (Tok's rule; SplitPattern.superword): a digit run in groups of three
 * from the right, a run of 2+ symbols ([^\s\p{L}\p{N}\p{M}]), a run of 2+ whitespace; the text
 * between them is one piece (so pieces cross word boundaries). The scanner is called at piece
 * starts: inside a digit run that is a group boundary, so the group there has 3 digits. */
static inline int sw_symbol(uint8_t cls) { return (cls & (L_ | N_ | WS_ | M_)) == 0; }

/* 1 when the character before s[i] (i > 0) is a number. */
static inline int sw_digit_before(const uint8_t *s, size_t len, size_t i) {
    size_t j = i - 1;
    while (j > 0 && i - j < 4 && (s[j] & 0xC0) == 0x80) j--;
    tok_char c = at(s, len, j);
    return j + c.len == i && (c.cls & N_);
}

/* End of the isolated match at s[i], or i when none starts there. */
static inline size_t sw_match(const uint8_t *s, size_t len, size_t i) {
    tok_char c = at(s, len, i);
    if (c.cls & N_) {
        size_t group = 3;
        if (i == 0 || !sw_digit_before(s, len, i)) {
            size_t e = i, n = 0;
            while (e < len) {
                tok_char d = at(s, len, e);
                if (!(d.cls & N_)) break;
                e += d.len;
                n++;
            }
            group = n % 3 ? n % 3 : 3;
        }
        size_t j = i;
        for (size_t k = 0; k < group && j < len; k++) {
            tok_char d = at(s, len, j);
            if (!(d.cls & N_)) break;
            j += d.len;
        }
        return j;
    }
    int ws = (c.cls & WS_) != 0, sym = sw_symbol(c.cls);
    if (!ws && !sym) return i;
    size_t j = i + c.len, n = 1;
    while (j < len) {
        tok_char d = at(s, len, j);
        if (ws ? !(d.cls & WS_) : !sw_symbol(d.cls)) break;
        j += d.len;
        n++;
    }
    return n >= 2 ? j : i;
}

static inline size_t scan_superword(const uint8_t *s, size_t len, size_t i) {
    size_t e = sw_match(s, len, i);
    if (e > i) return e;
    size_t j = i + at(s, len, i).len;
    while (j < len && sw_match(s, len, j) == j) j += at(s, len, j).len;
    return j;
}

/*
 * DeepSeek (V4's tokenizer.json): a Sequence of three Isolated Splits, each a search for the
 * leftmost matches of its regex (Oniguruma; the text between matches is kept as pieces too):
 *
 *   1. \p{N}{1,3}                      groups of up to three numbers, from the left;
 *   2. [一-龥぀-ゟ゠-ヿ]+               runs of U+4E00..U+9FA5 and U+3040..U+30FF;
 *   3. [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+ | [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+
 *      | ?[\p{P}\p{S}]+[\r\n]* | \s*[\r\n]+ | \s+(?!\S) | \s+
 *
 * Each pattern alone has a "match at i" function (i when none starts there) and a search; the
 * tiling scanner of a single pattern returns the match at i or the gap up to the next match.
 * TOK_PATTERN_DEEPSEEK is the three Splits composed: a number group is a piece of its own (no
 * later split cuts it), a CJK run is cut by pattern 3 alone, and any other text is cut by
 * pattern 3 with numbers and CJK characters acting as the end of the text (they end the piece the
 * first two splits leave). None of the regexes looks behind, so restarting at a piece boundary
 * gives the pieces a search from the start of the enclosing piece gives.
 *
 * Pattern 3 tests [\p{P}\p{S}]: an invalid UTF-8 unit counts as one (it stands for U+FFFD, So).
 */
static inline int ds_is_cjk(uint32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FA5) || (cp >= 0x3040 && cp <= 0x30FF);
}

/* The character at i for pattern 3, with len 0 at the end of the text or, when `fused`, at a
 * number or CJK character (where the first two splits end the piece). */
static inline __attribute__((always_inline)) tok_char ds_at(const uint8_t *s, size_t len, size_t i, int fused) {
    tok_char c;
    if (i >= len) {
        c.cp = 0; c.len = 0; c.cls = 0;
        return c;
    }
    c = at(s, len, i);
    if (c.cls & TOK_CLS_INVALID) c.cls = TOK_CLS_PS;
    else if (fused && ((c.cls & N_) || ds_is_cjk(c.cp))) { c.cp = 0; c.len = 0; c.cls = 0; }
    return c;
}

/* End of the run of characters with a bit of `mask` from i (pattern 3's view of the text). */
static inline __attribute__((always_inline)) size_t ds_run(const uint8_t *s, size_t len, size_t i,
                                                           uint8_t mask, int fused) {
    if (mask & L_) i = ascii_letters(s, len, i); /* ASCII letters: never a boundary */
    else i = ascii_run_any(s, len, i, mask);
    for (;;) {
        tok_char c = ds_at(s, len, i, fused);
        if (!c.len || !(c.cls & mask)) return i;
        i += c.len;
    }
}

/* Pattern 3: end of the match at i, or i when none starts there (s[i] is not a boundary). */
static inline __attribute__((always_inline)) size_t ds_word_at(const uint8_t *s, size_t len, size_t i, int fused) {
    uint8_t b = s[i];
    if (b < 0x80) {
        uint8_t c0 = ASCII[b];
        if (c0 & L_) return ds_run(s, len, i + 1, L_ | M_, fused);
        if (i + 1 < len && s[i + 1] < 0x80 && (ASCII[s[i + 1]] & L_)) {
            if (c0 & TOK_CLS_PS) return ascii_letters(s, len, i + 2);        /* [punct][A-Za-z]+ */
            if (b != '\r' && b != '\n' && !(fused && (c0 & N_)))            /* [^\r\n L P S]? L+ */
                return ds_run(s, len, i + 2, L_ | M_, fused);
        }
    }
    tok_char c = ds_at(s, len, i, fused);
    if (!c.len) return i;
    /* [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+, the optional character first taken, then not */
    if (!(c.cls & (L_ | TOK_CLS_PS)) && !is_crlf(c.cp)) {
        tok_char n = ds_at(s, len, i + c.len, fused);
        if (n.len && (n.cls & (L_ | M_))) return ds_run(s, len, i + c.len + n.len, L_ | M_, fused);
    }
    if (c.cls & (L_ | M_)) return ds_run(s, len, i + c.len, L_ | M_, fused);
    /* ' '?[\p{P}\p{S}]+[\r\n]* (an ASCII punctuation character before an ASCII letter was the
     * first alternative, taken above) */
    if (c.cp == ' ') {
        tok_char n = ds_at(s, len, i + 1, fused);
        if (n.len && (n.cls & TOK_CLS_PS)) return run_crlf(s, len, ds_run(s, len, i + 1 + n.len, TOK_CLS_PS, fused), 0);
    }
    if (c.cls & TOK_CLS_PS) return run_crlf(s, len, ds_run(s, len, i + c.len, TOK_CLS_PS, fused), 0);
    if (!(c.cls & WS_)) return i;
    /* \s*[\r\n]+ | \s+(?!\S) | \s+ on the whitespace run from i */
    size_t j = i, last = i, crlf_end = 0, n = 0;
    for (;;) {
        tok_char w = ds_at(s, len, j, fused);
        if (!w.len || !(w.cls & WS_)) {
            if (crlf_end) return crlf_end;         /* \s*[\r\n]+: up to the last CR/LF */
            if (!w.len) return j;                  /* \s+(?!\S) at the end of the piece */
            return n >= 2 ? last : j;              /* \s+(?!\S) less one, or \s+ */
        }
        last = j;
        j += w.len;
        if (is_crlf(w.cp)) crlf_end = j;
        n++;
    }
}

/* Pattern 1: end of the number group at i, or i. */
static inline size_t ds_digits_at(const uint8_t *s, size_t len, size_t i) {
    tok_char c = at(s, len, i);
    return (c.cls & N_) ? run_digits(s, len, i, c.len, 3) : i;
}

/* Pattern 2: end of the CJK run at i, or i (every character of the ranges has a lead byte
 * E3..E9, which never occurs inside another character). */
static inline size_t ds_cjk_at(const uint8_t *s, size_t len, size_t i) {
    while (i < len && s[i] >= 0xE3 && s[i] <= 0xE9) {
        tok_char c = at(s, len, i);
        if (!ds_is_cjk(c.cp)) break;
        i += c.len;
    }
    return i;
}

/* The match of a single DeepSeek pattern at i, or i. */
static inline __attribute__((always_inline)) size_t ds_match_at(int pattern, const uint8_t *s, size_t len, size_t i) {
    switch (pattern) {
    case TOK_PATTERN_NUMBER_GROUPS: return ds_digits_at(s, len, i);
    case TOK_PATTERN_CJK_RUNS: return ds_cjk_at(s, len, i);
    default: return ds_word_at(s, len, i, 0);
    }
}

/* The first match of a single DeepSeek pattern at or after pos: its start in *start and its
 * end; *start = len and len when there is none. */
static inline __attribute__((always_inline)) size_t ds_find(int pattern, const uint8_t *s, size_t len, size_t pos,
                                                            size_t *start) {
    size_t q = pos;
    while (q < len) {
        uint8_t b = s[q];
        if (pattern == TOK_PATTERN_CJK_RUNS && (b < 0xE3 || b > 0xE9)) { q++; continue; }
        if (pattern == TOK_PATTERN_NUMBER_GROUPS && b < 0x80 && (b < '0' || b > '9')) { q++; continue; }
        size_t e = ds_match_at(pattern, s, len, q);
        if (e > q) {
            *start = q;
            return e;
        }
        q += b < 0x80 ? 1 : at(s, len, q).len;
    }
    *start = len;
    return len;
}

/* The three Splits composed (TOK_PATTERN_DEEPSEEK): the piece that starts at i. */
static inline __attribute__((always_inline)) size_t scan_deepseek(const uint8_t *s, size_t len, size_t i) {
    tok_char c = at(s, len, i);
    if (c.cls & N_) return run_digits(s, len, i, c.len, 3);
    if (ds_is_cjk(c.cp)) {
        size_t end = ds_cjk_at(s, len, i), q = i;
        size_t e = ds_word_at(s, end, i, 0);
        if (e > i) return e;
        do q += at(s, end, q).len; while (q < end && ds_word_at(s, end, q, 0) == q);
        return q;
    }
    size_t e = ds_word_at(s, len, i, 1);
    if (e > i) return e;
    size_t q = i + c.len;
    while (ds_at(s, len, q, 1).len && ds_word_at(s, len, q, 1) == q) q += at(s, len, q).len;
    return q;
}

/*
 * Block scanning: the pieces of 64 ASCII bytes at once, for the cl100k family, o200k, Tekken and
 * r50k (whose simpler rules are described in blk_pieces).
 *
 * In a window of printable ASCII, spaces, tabs, CR and LF every alternative of these patterns
 * reduces to a rule on a byte and its neighbours, so the starts of all the window's pieces are
 * computed with bit masks (bit j for byte pos + j) and the pieces read off them, instead of one
 * scanner call and its branches per piece. Other bytes (non-ASCII, other controls) are "hard":
 * a window ends before them and the scanner takes over. A piece starts at:
 *   - a letter run's start r, or at r - 1 when the byte there is a prefix ([^\r\n\p{L}\p{N}]?):
 *     a space or tab always (the whitespace before it gives its last character back:
 *     `\s+(?!\S)`), a punctuation byte when the byte before that is neither punctuation nor a
 *     space (a longer run is a piece of its own, `[^\s\p{L}\p{N}]+`, and a space before
 *     punctuation starts ` ?[^\s\p{L}\p{N}]+`); and, for o200k, an upper-case letter after a
 *     lower-case one;
 *   - a punctuation run's start (one byte back when a space precedes it), unless it is a
 *     prefix; the CR/LF right after the run belong to its piece (`[\r\n]*`; o200k's
 *     `[\r\n/]*` takes '/' after them too); a tab before punctuation is a piece of its own;
 *   - a whitespace run's first byte (after such absorbed line feeds), and the byte after its
 *     last CR/LF when spaces or tabs follow to the run's end (`\s*[\r\n]+` ends there). A run's
 *     last space or tab (`\s+(?!\S)` gives it back) starts the word or punctuation after it,
 *     or is a piece of its own before a digit;
 *   - a digit run's first digit and every third after it (every digit for `\p{N}`);
 *   - after a contraction ('s 't 'm 'd 'll 've 're, any case): o200k appends one to the word it
 *     follows, the cl100k family makes one a piece where a piece starts at the apostrophe.
 * Starts next to a hard byte, after a line feed whose spaces run out of the window, or at a
 * contraction whose letters do, are not known: the window ends before them. (Both patterns'
 * ends of text, `\s++$` and a run at the end, are outside any window: a window needs its next
 * byte.) Position pos is a piece start; the pieces between consecutive starts in the window are
 * returned, the last start is where the next call begins. tok_pretok_pieces exposes this for
 * the tests that hold it to the scanners byte for byte.
 */
#define BLK_WIN 64
/* A window whose first byte of 80 or more comes before BLK_MIN is not classified (the few pieces
 * before it would not repay the masks: accented Latin scanned 1.3-1.5x slower than by the
 * scanner before this check), and the scanner goes BLK_FAR bytes past that byte. */
#define BLK_MIN 24
#define BLK_FAR 24
#define BLK_SKIP 8 /* after a window stops at a hard byte, pieces by the scanner up to BLK_SKIP bytes past it */

typedef struct { uint64_t up, lo, sp, tb, nl, p, sl, ap, dg, hard; } blk_masks; /* p includes sl ('/') and ap ('\'') */

/* Class bits of one byte in the masks' terms (for the bytes around a window); CR counts as a line
 * feed (every rule treats the two alike). */
enum { BK_UP = 1, BK_LO = 2, BK_SP = 4, BK_TB = 8, BK_NL = 16, BK_P = 32, BK_SL = 64, BK_AP = 128, BK_DG = 256, BK_HARD = 512 };
static inline unsigned blk_class(uint8_t b) {
    if (b >= 'A' && b <= 'Z') return BK_UP;
    if (b >= 'a' && b <= 'z') return BK_LO;
    if (b >= '0' && b <= '9') return BK_DG;
    if (b == ' ') return BK_SP;
    if (b == '\t') return BK_TB;
    if (b == '\n' || b == '\r') return BK_NL;
    if (b == '\'') return BK_P | BK_AP;
    if (b == '/') return BK_P | BK_SL;
    if (b > ' ' && b < 0x7F) return BK_P;
    return BK_HARD;
}

static inline __attribute__((always_inline)) void blk_classify(const uint8_t *p, blk_masks *m) {
#if defined(__SSE2__)
    uint64_t up = 0, lo = 0, sp = 0, tb = 0, nl = 0, pu = 0, sl = 0, ap = 0, dg = 0, ok = 0;
    for (unsigned k = 0; k < 4; k++) {
        const __m128i x = _mm_loadu_si128((const __m128i *)(p + 16 * k));
#define BLK_IN(lo_, n_) /* bytes in [lo_, lo_ + n_] */                                              \
    _mm_cmpeq_epi8(_mm_min_epu8(_mm_sub_epi8(x, _mm_set1_epi8((char)(lo_))), _mm_set1_epi8((char)(n_))), \
                   _mm_sub_epi8(x, _mm_set1_epi8((char)(lo_))))
        const __m128i u = BLK_IN('A', 25), l = BLK_IN('a', 25), d = BLK_IN('0', 9), g = BLK_IN('!', '~' - '!');
#undef BLK_IN
        const __m128i s = _mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), t = _mm_cmpeq_epi8(x, _mm_set1_epi8('\t'));
        const __m128i n = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\r')));
        const __m128i q = _mm_cmpeq_epi8(x, _mm_set1_epi8('/')), a = _mm_cmpeq_epi8(x, _mm_set1_epi8('\''));
        const __m128i pm = _mm_andnot_si128(_mm_or_si128(_mm_or_si128(u, l), d), g);
        const __m128i good = _mm_or_si128(_mm_or_si128(_mm_or_si128(u, l), _mm_or_si128(s, n)), _mm_or_si128(_mm_or_si128(pm, d), t));
        const unsigned sh = 16 * k;
#define BLK_BITS(v) ((uint64_t)(uint16_t)_mm_movemask_epi8(v) << sh)
        up |= BLK_BITS(u);
        lo |= BLK_BITS(l);
        sp |= BLK_BITS(s);
        tb |= BLK_BITS(t);
        nl |= BLK_BITS(n);
        pu |= BLK_BITS(pm);
        sl |= BLK_BITS(q);
        ap |= BLK_BITS(a);
        dg |= BLK_BITS(d);
        ok |= BLK_BITS(good);
#undef BLK_BITS
    }
    *m = (blk_masks){up, lo, sp, tb, nl, pu, sl, ap, dg, ~ok};
#else
    blk_masks r = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (unsigned j = 0; j < BLK_WIN; j++) {
        const unsigned c = blk_class(p[j]);
        const uint64_t bit = (uint64_t)1 << j;
        if (c & BK_UP) r.up |= bit;
        if (c & BK_LO) r.lo |= bit;
        if (c & BK_SP) r.sp |= bit;
        if (c & BK_TB) r.tb |= bit;
        if (c & BK_NL) r.nl |= bit;
        if (c & BK_P) r.p |= bit;
        if (c & BK_SL) r.sl |= bit;
        if (c & BK_AP) r.ap |= bit;
        if (c & BK_DG) r.dg |= bit;
        if (c & BK_HARD) r.hard |= bit;
    }
    *m = r; /* (correct, for the tests on any processor, but slower than the scanner: the encode
             * loop takes the block path only with SSE2) */
#endif
}

/* What differs between the patterns with a block path: o200k's case rule and its '/' among the
 * bytes that follow punctuation into its piece; contractions; digits a piece; r50k's rules (see
 * blk_pieces). */
typedef struct { int split, contr, maxdig, r50k; } blk_rules;

/*
 * The pieces from pos in one window: their ends in ends[0..n), n returned (at most cap), or 0
 * when the window does not apply (pos < 2, fewer than 65 bytes left, a hard byte in its first
 * three, or no piece ends in it); *hard_at is set to the first hard byte the window meets (to pos
 * when it does not apply for want of bytes), and left alone when there is none. A hard byte ends
 * the window early: starts up to two bytes before it do not depend on it (a start depends on the
 * bytes next to it, on how far a whitespace run goes and on a contraction's letters, which are
 * checked). A hard byte just before pos counts as no class: it ended the piece before pos.
 */
static inline __attribute__((always_inline)) size_t blk_pieces(const uint8_t *s, size_t len, size_t pos, blk_rules k,
                                                               uint32_t *ends, size_t cap, size_t *hard_at) {
    const int split = k.split;
    if (pos < 2 || len - pos < BLK_WIN + 1) {
        *hard_at = pos;
        return 0;
    }
#if defined(__SSE2__)
    { /* a byte of 80 or more near the start (other scripts, accented Latin): see BLK_MIN */
        uint64_t hi = 0;
        for (unsigned q = 0; q < 4; q++)
            hi |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(s + pos + 16 * q))) << (16 * q);
        if (hi && __builtin_ctzll(hi) < BLK_MIN) {
            *hard_at = pos + (size_t)__builtin_ctzll(hi) + BLK_FAR;
            return 0;
        }
    }
#endif
    blk_masks m;
    blk_classify(s + pos, &m);
    const unsigned w = m.hard ? (unsigned)__builtin_ctzll(m.hard) : BLK_WIN;
    const unsigned a0 = w == BLK_WIN ? blk_class(s[pos + BLK_WIN]) : BK_HARD; /* the byte after the window */
    if (a0 & BK_HARD) *hard_at = pos + w;
    if (w < 3) return 0;
    const unsigned b1 = blk_class(s[pos - 1]) & ~BK_HARD, b2 = blk_class(s[pos - 2]) & ~BK_HARD;
    if (split && ((b1 | b2) & BK_SL)) { /* o200k: whether that '/' followed punctuation into its piece is not known */
        *hard_at = pos;
        return 0;
    }
    const uint64_t top = (uint64_t)1 << 63;
#define PREV(x, c) ((x) << 1 | (uint64_t)((b1 & (c)) != 0))
#define PREV2(x, c) ((x) << 2 | (uint64_t)((b1 & (c)) != 0) << 1 | (uint64_t)((b2 & (c)) != 0))
#define NEXT(x, c) ((x) >> 1 | ((a0 & (c)) ? top : 0))
    const uint64_t let = m.up | m.lo, hs = m.sp | m.tb, ws = hs | m.nl;
    uint64_t st, pun = m.p; /* punctuation that starts or continues a piece of its own */
    /* starts from `limit` on are not known: those next to an unknown byte, after a line feed whose
     * spaces run out of the window, at a contraction whose letters do */
    unsigned limit = a0 & BK_HARD ? w - 1 : BLK_WIN;
    if (k.r50k) {
        /* r50k (` ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`): a run of letters, of
         * digits or of punctuation starts a piece, one byte back after a space; a whitespace run
         * starts one, and so does its last byte (the prefix of the next piece, or alone) */
        const uint64_t t = (let & ~PREV(let, BK_UP | BK_LO)) | (m.dg & ~PREV(m.dg, BK_DG)) | (m.p & ~PREV(m.p, BK_P));
        const uint64_t after_sp = PREV(m.sp, BK_SP);
        st = (t & ~after_sp) | (t & after_sp) >> 1 | (ws & ~PREV(ws, BK_SP | BK_TB | BK_NL)) |
             (ws & ~NEXT(ws, BK_SP | BK_TB | BK_NL));
    } else {
        /* line feeds right after punctuation belong to its piece (`[\r\n]*`; o200k: `[\r\n/]*`), and
         * so do the bytes of that class after them: a fill from each such line feed */
        uint64_t abs = m.nl & PREV(m.p, BK_P);
        {
            uint64_t pro = split ? m.nl | m.sl : m.nl;
            abs |= pro & abs << 1;
            pro &= pro << 1;
            abs |= pro & abs << 2;
            pro &= pro << 2;
            abs |= pro & abs << 4;
            pro &= pro << 4;
            abs |= pro & abs << 8;
            pro &= pro << 8;
            abs |= pro & abs << 16;
            pro &= pro << 16;
            abs |= pro & abs << 32;
        }
        const uint64_t pq = m.p & ~abs; /* punctuation that starts or continues a piece of its own */
        /* words: a space or tab before a letter run is its prefix; punctuation too, alone and not
         * after a space */
        const uint64_t rs = let & ~PREV(let, BK_UP | BK_LO);
        const uint64_t attach = (rs & PREV(hs, BK_SP | BK_TB)) | (rs & PREV(pq, BK_P) & ~PREV2(pq | m.sp, BK_P | BK_SP));
        st = (rs & ~attach) | attach >> 1;
        if (split) st |= m.up & PREV(m.lo, BK_LO);
        /* punctuation runs (a space before one is its first byte; a tab is a piece of its own) */
        const uint64_t prev_sp = PREV(m.sp, BK_SP), prev_p = PREV(pq, BK_P);
        const uint64_t prefix = pq & ~prev_p & ~NEXT(pq, BK_P) & NEXT(let, BK_UP | BK_LO) & ~prev_sp;
        const uint64_t pr = pq & ~prev_p & ~prefix;
        st |= (pr & ~prev_sp) | (pr & prev_sp) >> 1 | (m.tb & NEXT(pq, BK_P));
        /* whitespace runs: their first bytes, and the byte after a run's last line feed when spaces
         * or tabs end the run (a run's last space or tab starts the piece after it, or is one) */
        const uint64_t ews = ws & ~abs;
        st |= ews & ~PREV(ews, BK_SP | BK_TB | BK_NL);
        /* digits: a run's first digit and every third after it (`\p{N}{1,3}`); a space or tab before
         * a digit is a piece of its own (nothing takes it: it is not a prefix of digits) */
        uint64_t dr = (m.dg & ~PREV(m.dg, BK_DG)) | (m.dg & 1);
        st |= dr | (hs & NEXT(m.dg, BK_DG));
        for (; dr; dr &= dr - 1) {
            const unsigned r = (unsigned)__builtin_ctzll(dr);
            const uint64_t run = m.dg >> r, in = ~run ? ((uint64_t)1 << __builtin_ctzll(~run)) - 1 : ~(uint64_t)0;
            st |= (in & (k.maxdig == 3 ? 0x9249249249249248ull : ~(uint64_t)1)) << r; /* offsets 3, 6 … (or 1, 2 …) */
        }
        /* after a line feed whose spaces run out of the window, starts are not known */
        for (uint64_t v = m.nl & ews; v; v &= v - 1) {
            const unsigned z = (unsigned)__builtin_ctzll(v);
            if (z + 1 >= limit) break;
            const unsigned run = (unsigned)__builtin_ctzll(~(hs >> (z + 1))); /* spaces and tabs from z + 1 */
            const unsigned e = z + 1 + run;
            if (e >= w) { /* they reach the window's end: the byte after it decides */
                if (a0 & (BK_SP | BK_TB | BK_HARD)) {
                    limit = z;
                    break;
                }
                if (a0 & BK_NL) continue;
            } else if (m.nl >> e & 1) {
                continue;
            }
            if (run) st |= (uint64_t)1 << (z + 1); /* the run's last line feed, spaces to its end */
        }
        pun = pq;
    }
#undef PREV
#undef PREV2
#undef NEXT
    /* contractions ('s 't 'm 'd 'll 've 're; any case but r50k's): o200k appends one to the word
     * it follows (not to another contraction); cl100k and r50k make one a piece wherever a piece
     * starts at the apostrophe (after neither punctuation nor a space) */
    unsigned after_c = BLK_WIN + 1; /* where the last contraction ended */
    for (uint64_t v = k.contr ? m.ap : 0; v; v &= v - 1) {
        const unsigned a = (unsigned)__builtin_ctzll(v);
        if (a >= limit) break;
        int on;
        if (split) on = a > 0 && (let >> (a - 1) & 1) && a != after_c;
        else on = a == 0 || !(((pun | m.sp) >> (a - 1)) & 1);
        if (!on) continue;
        if (a + 2 >= w) { /* its letters are not all in the window */
            limit = a;
            break;
        }
        const unsigned fold = k.r50k ? 0 : 0x20, x = s[pos + a + 1] | fold, y = s[pos + a + 2] | fold;
        unsigned c = 0;
        if (let >> (a + 1) & 1) {
            if (x == 's' || x == 't' || x == 'm' || x == 'd') c = 2;
            else if ((let >> (a + 2) & 1) && ((x == 'l' && y == 'l') || ((x == 'v' || x == 'r') && y == 'e'))) c = 3;
        }
        if (!c) continue;
        if (split) st &= ~((uint64_t)1 << a);
        st &= ~((((uint64_t)1 << (c - 1)) - 1) << (a + 1));
        if (a + c < BLK_WIN) st |= (uint64_t)1 << (a + c);
        after_c = a + c;
    }
    if (limit < BLK_WIN) st &= ((uint64_t)1 << limit) - 1;
    st &= ~(uint64_t)1; /* pos is a piece start: the ends are the starts after it */
    size_t n = 0;
    for (; st && n < cap; st &= st - 1) ends[n++] = (uint32_t)(pos + (size_t)__builtin_ctzll(st));
    return n;
}

/* Whether a pattern has a block path, and its rules. */
static inline int blk_pattern(int pattern, blk_rules *k) {
    switch (pattern) {
    case TOK_PATTERN_R50K: *k = (blk_rules){0, 1, 0, 1}; return 1;
    case TOK_PATTERN_O200K: *k = (blk_rules){1, 1, 3, 0}; return 1;
    case TOK_PATTERN_TEKKEN: *k = (blk_rules){1, 0, 1, 0}; return 1;
    case TOK_PATTERN_CL100K:
    case TOK_PATTERN_LLAMA3: *k = (blk_rules){0, 1, 3, 0}; return 1;
    case TOK_PATTERN_QWEN2:
    case TOK_PATTERN_QWEN3_5: *k = (blk_rules){0, 1, 1, 0}; return 1;
    default: return 0;
    }
}

/* The scanner of a (compile-time constant) pattern; see tok_pretok_next. */
static inline __attribute__((always_inline)) size_t tok__scan(int pattern, const uint8_t *s, size_t len,
                                                              size_t pos) {
    switch (pattern) {
    case TOK_PATTERN_R50K: return scan_r50k(s, len, pos);
    case TOK_PATTERN_CL100K: return scan_cl(s, len, pos, 3, L_, 1);
    case TOK_PATTERN_O200K: return scan_o200k(s, len, pos, 1, 3);
    case TOK_PATTERN_TEKKEN: return scan_o200k(s, len, pos, 0, 1);
    case TOK_PATTERN_QWEN2: return scan_cl(s, len, pos, 1, L_, 0);
    case TOK_PATTERN_QWEN3_5: return scan_cl(s, len, pos, 1, L_ | M_, 0);
    case TOK_PATTERN_LLAMA3: return scan_cl(s, len, pos, 3, L_, 0);
    case TOK_PATTERN_SUPERWORD: return scan_superword(s, len, pos);
    case TOK_PATTERN_DEEPSEEK: return scan_deepseek(s, len, pos);
    case TOK_PATTERN_NUMBER_GROUPS:
    case TOK_PATTERN_CJK_RUNS:
    case TOK_PATTERN_DEEPSEEK_WORDS: {
        size_t st, e = ds_find(pattern, s, len, pos, &st);
        return st > pos ? st : e; /* the match at pos, or the text up to the next one */
    }
    default: return len;
    }
}

/* The pieces from pos (pos < len): a window's (ends[0..n), n returned) where the block path
 * applies (`block`: the pattern has one and the caller has room for BLK_WIN ends) and pos is past
 * BLK_SKIP bytes after the last hard byte a window met (*hard, kept by the caller across calls),
 * else the one piece the scanner gives. The encode loop and tok_pretok_pieces both go through it. */
static inline __attribute__((always_inline)) size_t tok__pieces_at(int pattern, int block, blk_rules k,
                                                                   const uint8_t *s, size_t len, size_t pos,
                                                                   uint32_t *ends, size_t *hard) {
    if (block && pos > *hard + BLK_SKIP) {
        const size_t n = blk_pieces(s, len, pos, k, ends, BLK_WIN, hard);
        if (n) return n;
    }
    ends[0] = (uint32_t)tok__scan(pattern, s, len, pos);
    return 1;
}

#endif

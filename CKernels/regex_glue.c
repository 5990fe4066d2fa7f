/*
 * regex_glue.c — ICU regular expressions over UTF-8 (see tok_merge.h), for Split patterns that
 * have no hand-written scanner.
 */
#include "tok_merge.h"
#include "tok_bpe.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/uregex.h>
#include <unicode/utext.h>

struct tok_regex {
    URegularExpression *re;
    uint64_t serial; /* identifies this expression in the per-thread clone cache */
};

/* Each thread keeps clones of the last few expressions it matched with (a clone per call
 * costs more than the match on a short piece). A clone shares its compiled pattern by
 * reference count, so it stays valid after the original is freed; entries are told apart by
 * serial number, never by address. At most CLONES clones per thread stay allocated. */
#define CLONES 8
static _Thread_local struct {
    uint64_t serial;
    URegularExpression *re;
} clone_cache[CLONES];
static _Thread_local unsigned clone_next;
static uint64_t next_serial = 1;

static URegularExpression *thread_clone(const tok_regex *r, UErrorCode *st) {
    for (int k = 0; k < CLONES; k++)
        if (clone_cache[k].re && clone_cache[k].serial == r->serial) return clone_cache[k].re;
    URegularExpression *c = uregex_clone(r->re, st);
    if (U_FAILURE(*st)) return NULL;
    unsigned k = clone_next++ % CLONES;
    if (clone_cache[k].re) uregex_close(clone_cache[k].re);
    clone_cache[k].serial = r->serial;
    clone_cache[k].re = c;
    return c;
}

int tok_regex_compile(const uint8_t *pattern, size_t pattern_len, tok_regex **out, char *why, size_t why_cap,
                      int32_t *offset) {
    *out = NULL;
    *offset = -1;
    UErrorCode st = U_ZERO_ERROR;
    UParseError pe;
    memset(&pe, 0, sizeof pe);
    UText *ut = utext_openUTF8(NULL, (const char *)pattern, (int64_t)pattern_len, &st);
    /* Oniguruma's (Ruby syntax) anchors: ^ and $ at every line, only LF ending a line (also for .) */
    URegularExpression *re = U_SUCCESS(st) ? uregex_openUText(ut, UREGEX_MULTILINE | UREGEX_UNIX_LINES, &pe, &st) : NULL;
    utext_close(ut);
    if (U_FAILURE(st) || !re) {
        if (why && why_cap) {
            strncpy(why, u_errorName(st), why_cap - 1);
            why[why_cap - 1] = 0;
        }
        *offset = pe.offset;
        if (re) uregex_close(re);
        return -1;
    }
    tok_regex *r = malloc(sizeof *r);
    if (!r) {
        uregex_close(re);
        return TOK_E_NOMEM;
    }
    r->re = re;
    r->serial = __atomic_fetch_add(&next_serial, 1, __ATOMIC_RELAXED);
    *out = r;
    return 0;
}

void tok_regex_free(tok_regex *r) {
    if (!r) return;
    uregex_close(r->re);
    free(r);
}

int64_t tok_regex_matches(const tok_regex *r, const uint8_t *s, size_t len, uint32_t *starts, uint32_t *ends,
                          size_t cap) {
    UErrorCode st = U_ZERO_ERROR;
    URegularExpression *re = thread_clone(r, &st);
    if (!re) return TOK_E_NOMEM;
    UText *ut = utext_openUTF8(NULL, (const char *)s, (int64_t)len, &st);
    uregex_setUText(re, ut, &st);
    int64_t k = 0;
    while (U_SUCCESS(st) && uregex_findNext(re, &st)) {
        int64_t a = uregex_start64(re, 0, &st), b = uregex_end64(re, 0, &st);
        if (U_FAILURE(st)) break;
        if (a == b) continue;
        if ((size_t)k >= cap) {
            k = TOK_E_CAPACITY;
            break;
        }
        starts[k] = (uint32_t)a;
        ends[k] = (uint32_t)b;
        k++;
    }
    UErrorCode reset = U_ZERO_ERROR;
    uregex_setText(re, u"", 0, &reset); /* drop the reference to the caller's text */
    utext_close(ut);
    if (U_FAILURE(st)) return TOK_E_NOMEM;
    return k;
}

#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include "tok_unicode.h"

static const UNormalizer2 *normalizer(int form, UErrorCode *st) {
    switch (form) {
    case TOK_NFC: return unorm2_getNFCInstance(st);
    case TOK_NFD: return unorm2_getNFDInstance(st);
    case TOK_NFKC: return unorm2_getNFKCInstance(st);
    default: return unorm2_getNFKDInstance(st);
    }
}

/* Grows a UTF-16 buffer that may still be the caller's stack array. Returns 0 or -1. */
static int grow16(UChar **buf, int32_t *cap, UChar *stack, int32_t need) {
    if (need <= *cap) return 0;
    int32_t n = *cap;
    while (n < need) {
        if (n > INT32_MAX / 2) return -1;
        n *= 2;
    }
    UChar *p = *buf == stack ? malloc((size_t)n * sizeof(UChar)) : realloc(*buf, (size_t)n * sizeof(UChar));
    if (!p) return -1;
    if (*buf == stack) memcpy(p, stack, (size_t)*cap * sizeof(UChar));
    *buf = p;
    *cap = n;
    return 0;
}

int64_t tok_icu_normalize(int form, const uint8_t *s, size_t len, uint8_t *out, uint32_t *origin, size_t cap) {
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nz = normalizer(form, &st);
    if (U_FAILURE(st)) return TOK_E_NOMEM;
    size_t o = 0, i = 0;
    /* Segments are normalized whole, however long (a base with hundreds of combining marks is
     * one segment, and cutting it would reorder marks differently): the buffers grow. */
    UChar src_stack[256], dst_stack[1024];
    UChar *src = src_stack, *dst = dst_stack;
    int32_t src_cap = 256, dst_cap = 1024;
    int64_t rc = 0;
    while (i < len) {
        /* An ASCII character followed by ASCII (or the end) is a segment of its own that every
         * form leaves as it is: no ICU call. */
        if (s[i] < 0x80 && (i + 1 >= len || s[i + 1] < 0x80)) {
            if (o + 1 > cap) { rc = TOK_E_CAPACITY; goto done; }
            out[o] = s[i];
            origin[o++] = (uint32_t)i;
            i++;
            continue;
        }
        tok_char c = tok_utf8_at(s, len, i);
        if (c.cls & TOK_CLS_INVALID) {
            if (o + c.len > cap) { rc = TOK_E_CAPACITY; goto done; }
            for (int k = 0; k < c.len; k++) { out[o] = s[i + k]; origin[o++] = (uint32_t)i; }
            i += c.len;
            continue;
        }
        /* A segment: this character and the following ones up to the next boundary. */
        size_t start = i;
        int32_t n16 = 0;
        for (;;) {
            if (n16 > INT32_MAX - 4 || grow16(&src, &src_cap, src_stack, n16 + 2)) { rc = TOK_E_NOMEM; goto done; }
            U16_APPEND_UNSAFE(src, n16, c.cp);
            i += c.len;
            if (i >= len) break;
            c = tok_utf8_at(s, len, i);
            if ((c.cls & TOK_CLS_INVALID) || unorm2_hasBoundaryBefore(nz, (UChar32)c.cp)) break;
        }
        st = U_ZERO_ERROR;
        int32_t m = unorm2_normalize(nz, src, n16, dst, dst_cap, &st);
        if (st == U_BUFFER_OVERFLOW_ERROR) {
            if (grow16(&dst, &dst_cap, dst_stack, m + 1)) { rc = TOK_E_NOMEM; goto done; }
            st = U_ZERO_ERROR;
            m = unorm2_normalize(nz, src, n16, dst, dst_cap, &st);
        }
        if (U_FAILURE(st)) { rc = TOK_E_NOMEM; goto done; }
        int32_t k = 0;
        while (k < m) {
            UChar32 cp;
            U16_NEXT(dst, k, m, cp);
            uint8_t b[4];
            int nb = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (nb == 1) b[0] = (uint8_t)cp;
            else if (nb == 2) { b[0] = 0xC0 | (cp >> 6); b[1] = 0x80 | (cp & 63); }
            else if (nb == 3) { b[0] = 0xE0 | (cp >> 12); b[1] = 0x80 | ((cp >> 6) & 63); b[2] = 0x80 | (cp & 63); }
            else { b[0] = 0xF0 | (cp >> 18); b[1] = 0x80 | ((cp >> 12) & 63); b[2] = 0x80 | ((cp >> 6) & 63); b[3] = 0x80 | (cp & 63); }
            if (o + nb > cap) { rc = TOK_E_CAPACITY; goto done; }
            for (int q = 0; q < nb; q++) { out[o] = b[q]; origin[o++] = (uint32_t)start; }
        }
    }
    rc = (int64_t)o;
done:
    if (src != src_stack) free(src);
    if (dst != dst_stack) free(dst);
    return rc;
}

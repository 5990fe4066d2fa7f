/* zstd_glue.c — zstd for compressed vocabularies and the compression baseline. */
#include "tok_support.h"

#include <pthread.h>
#include <stdlib.h>
#include <zstd.h>

void tok_free(void *p) { free(p); }

int tok_zstd_decompress(const uint8_t *src, size_t n, size_t limit, uint8_t **out, size_t *out_len,
                        const char **why) {
    *out = NULL;
    *out_len = 0;
    ZSTD_DStream *ds = ZSTD_createDStream();
    if (!ds) { *why = "out of memory"; return -1; }
    size_t cap = n * 4 + 1024, len = 0;
    unsigned long long hint = ZSTD_getFrameContentSize(src, n);
    if (hint == ZSTD_CONTENTSIZE_ERROR) { ZSTD_freeDStream(ds); *why = "not zstd data"; return -1; }
    if (hint != ZSTD_CONTENTSIZE_UNKNOWN && hint < ((unsigned long long)1 << 40)) cap = (size_t)hint + 1;
    if (limit && cap > limit + 1) cap = limit + 1;
    uint8_t *buf = malloc(cap);
    if (!buf) { ZSTD_freeDStream(ds); *why = "out of memory"; return -1; }
    ZSTD_inBuffer in = {src, n, 0};
    size_t ret = 1;
    for (;;) {
        ZSTD_outBuffer ob = {buf, cap, len};
        ret = ZSTD_decompressStream(ds, &ob, &in);
        len = ob.pos;
        if (ZSTD_isError(ret)) { *why = "corrupt zstd data"; goto fail; }
        if (limit && len > limit) { *why = "decompressed size over the limit"; goto fail; }
        if (in.pos == in.size && ret == 0) break;   /* every frame complete */
        if (in.pos == in.size && len < cap) { *why = "truncated zstd data"; goto fail; }
        if (len == cap) {
            size_t nc = cap * 2;
            uint8_t *nb = realloc(buf, nc);
            if (!nb) { *why = "out of memory"; goto fail; }
            buf = nb;
            cap = nc;
        }
    }
    ZSTD_freeDStream(ds);
    *out = buf;
    *out_len = len;
    return 0;
fail:
    free(buf);
    ZSTD_freeDStream(ds);
    return -1;
}

/* Per thread, kept between calls: the compression context (a level-19 context costs tens of
 * megabytes to set up, and the analytics compress many small texts) and the output buffer (so a
 * large text does not fault in fresh pages each time). Freed when the thread ends. */
typedef struct { ZSTD_CCtx *cctx; uint8_t *out; size_t cap; } zstd_scratch;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static void scratch_free(void *p) {
    zstd_scratch *z = p;
    ZSTD_freeCCtx(z->cctx);
    free(z->out);
    free(z);
}
static void scratch_key_init(void) { pthread_key_create(&scratch_key, scratch_free); }

int64_t tok_zstd_compressed_size(const uint8_t *src, size_t n, int level) {
    pthread_once(&scratch_once, scratch_key_init);
    zstd_scratch *z = pthread_getspecific(scratch_key);
    if (!z) {
        z = calloc(1, sizeof *z);
        if (!z) return -1;
        z->cctx = ZSTD_createCCtx();
        if (!z->cctx || pthread_setspecific(scratch_key, z)) { ZSTD_freeCCtx(z->cctx); free(z); return -1; }
    }
    size_t bound = ZSTD_compressBound(n);
    if (bound > z->cap) {
        uint8_t *b = realloc(z->out, bound);
        if (!b) return -1;
        z->out = b;
        z->cap = bound;
    }
    ZSTD_CCtx_reset(z->cctx, ZSTD_reset_session_and_parameters);
    if (ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, level))) return -1;
    /* One-shot into a buffer of the bound: the same frame as ZSTD_compress and `zstd -LEVEL`. */
    size_t r = ZSTD_compress2(z->cctx, z->out, z->cap, src, n);
    return ZSTD_isError(r) ? -1 : (int64_t)r;
}

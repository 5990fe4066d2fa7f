/*
 * table_mem.c — memory for large tables read at random (see tok__table_alloc in tok_internal.h).
 */
#define _GNU_SOURCE
#include "tok_internal.h"

#if defined(__linux__)
#include <sys/mman.h>
#define TABLE_HUGE ((size_t)2 << 20)   /* the x86-64 / arm64 (4 KiB pages) huge page */
#define TABLE_MAPPED ((size_t)1 << 20) /* from this size up: a mapping of its own */

static size_t mapped_size(size_t bytes) { return (bytes + TABLE_HUGE - 1) & ~(TABLE_HUGE - 1); }

void *tok__table_alloc(size_t bytes) {
    if (bytes < TABLE_MAPPED) return calloc(bytes ? bytes : 1, 1);
    const size_t size = mapped_size(bytes);
    if (size < bytes || size > SIZE_MAX - TABLE_HUGE) return NULL; /* too large to map with the spare page */
    /* map one huge page more than needed and keep the aligned part: a huge page must start on
     * a 2 MiB boundary */
    uint8_t *m = mmap(NULL, size + TABLE_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    const uintptr_t a = ((uintptr_t)m + TABLE_HUGE - 1) & ~(uintptr_t)(TABLE_HUGE - 1);
    uint8_t *p = (uint8_t *)a;
    if (p > m) munmap(m, (size_t)(p - m));
    const size_t tail = (size_t)(m + size + TABLE_HUGE - (p + size));
    if (tail) munmap(p + size, tail);
#if defined(MADV_HUGEPAGE)
    (void)madvise(p, size, MADV_HUGEPAGE); /* advice only: refused, the table works the same */
#endif
    return p; /* anonymous pages read as zero */
}

void tok__table_free(void *p, size_t bytes) {
    if (!p) return;
    if (bytes < TABLE_MAPPED) { free(p); return; }
    munmap(p, mapped_size(bytes));
}
#else
void *tok__table_alloc(size_t bytes) { return calloc(bytes ? bytes : 1, 1); }
void tok__table_free(void *p, size_t bytes) { (void)bytes; free(p); }
#endif

/* embedded.c — lookup of the vocabularies embed.S links in. */
#include "tok_support.h"

#include <string.h>

#define DECL(name) extern const uint8_t tok__vocab_##name##_start[], tok__vocab_##name##_end[];
DECL(r50k_base)
DECL(cl100k_base)
DECL(o200k_base)

const uint8_t *tok_embedded_vocab(const char *name, size_t *n) {
#define CASE(x)                                                                    \
    if (strcmp(name, #x) == 0) {                                                   \
        *n = (size_t)(tok__vocab_##x##_end - tok__vocab_##x##_start);             \
        return tok__vocab_##x##_start;                                             \
    }
    CASE(r50k_base)
    CASE(cl100k_base)
    CASE(o200k_base)
#undef CASE
    *n = 0;
    return NULL;
}

/* embed.S — the built-in vocabularies (the vocab folder, zstd), linked into the library. */
#if defined(__APPLE__)
#define SYM(x) _##x
#define RODATA .const
#else
#define SYM(x) x
#define RODATA .section .rodata
#endif

#define EMBED(name, file) \
    .globl SYM(tok__vocab_##name##_start); \
    .globl SYM(tok__vocab_##name##_end); \
    .balign 16; \
SYM(tok__vocab_##name##_start): \
    .incbin file; \
SYM(tok__vocab_##name##_end):

    RODATA
EMBED(r50k_base, "r50k_base.tiktoken.zst")
EMBED(cl100k_base, "cl100k_base.tiktoken.zst")
EMBED(o200k_base, "o200k_base.tiktoken.zst")

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif

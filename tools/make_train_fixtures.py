#!/usr/bin/env python3
"""Make the test fixtures for `tok train` (#6) with the reference trainer, Hugging Face `tokenizers`.

  pip install tokenizers==0.23.3
  python3 tools/make_train_fixtures.py       # writes Tests/Fixtures/train/

The corpus (shipped zstd-compressed as corpus.txt.zst) is real text from ../shared/corpus: 200 kB
of Project Gutenberg prose (public domain) and the first 6 kB of 15 UDHR translations in as many
scripts. The held-out text (in expected.json) is other prose and four other UDHR versions.

For each case, `tokenizers`' BpeTrainer trains on the corpus file (line by line, as `train(files)`
reads it) with the byte-level alphabet as its initial alphabet, and expected.json records:
the merges in the order tokenizer.json saves them, the vocabulary size reached, and the ids the
trained tokenizer gives the held-out text. Tok must train the same merges and, loading its own
tokenizer.json, encode the held-out text to the same ids. The character-level cases (CHAR_CASES)
record the merges of BpeTrainer on characters and the tokens it gives the held-out lines whose
characters it knows; Tok's char-bpe, byte-level underneath, must give the same merges after its
alphabet and the same token strings.
"""
import json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
SHARED = os.path.join(ROOT, "..", "shared", "corpus")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "train")

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers  # noqa: E402

# tiktoken's split regexes as Oniguruma (tokenizers' engine) must be given them to mean what
# tiktoken means (SplitPattern.onigurumaRegex): tiktoken's cl100k string has `\p{N}{1,3}+`, which
# Oniguruma reads as "runs of 1-3 digits, repeated" (any number of digits), so it is written
# `\p{N}{1,3}` here. TIKTOKEN_CL100K is the literal string, to check that Tok reads a
# tokenizer.json holding it the way tokenizers does.
CL100K = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
TIKTOKEN_CL100K = CL100K.replace(r"\p{N}{1,3}", r"\p{N}{1,3}+")
DIGITS = "In 1910, 2024 and 1234567 the 12 x 3456 = 41472000 people\n"
O200K = r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

CASES = [
    # name, Tok pattern, vocab size, min frequency, special tokens, normalization
    ("gpt2_2600", "r50k", 2600, 0, [], "none"),
    ("cl100k_specials_min3", "cl100k", 2400, 3, ["<|endoftext|>", "<pad>"], "none"),
    ("lines_1200", "none", 1200, 0, [], "none"),
    ("o200k_nfkc_1800", "o200k", 1800, 2, ["<s>"], "nfkc"),
]

# Character-level BPE (`tok train char-bpe`): tokenizers' BpeTrainer on characters (no ByteLevel
# step), its alphabet every character of the corpus plus initial_alphabet, max_token_length =
# max_chars + 1 (it counts a new pair while its length is below the limit).
CHAR_CASES = [
    # name, Tok pattern, max chars, vocab size, min frequency, special tokens, initial alphabet
    ("char_gpt2_3", "r50k", 3, 3000, 0, ["<|start|>", "<|end|>"], ["\u00ff", "\u20ac", "\U0001d538"]),
    ("char_o200k_4_min2", "o200k", 4, 2600, 2, [], []),
    ("char_lines_2", "none", 2, 1800, 0, ["<pad>"], []),
]
GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

# TokenAdapt-style supertokens (`tok train supertokens`): Tok's random chunks, drawn here with the
# same generator (splitmix64, seeded per 1 MiB block of work as Tok's piece counter seeds it), are
# joined with a separator that tokenizers' Split removes; BpeTrainer (byte-level, min frequency 2,
# max_token_length 30 as TokenAdapt trains) must then learn what Tok learns from the same chunks.
SUPER_CASE = {"name": "supertokens_seed7", "vocab_size": 3000, "seed": 7, "min_frequency": 2, "max_token_length": 30,
              "bins": [(4, 5, 0.044), (6, 7, 0.091), (8, 9, 0.146), (10, 11, 0.171), (12, 13, 0.185),
                       (14, 15, 0.171), (16, 17, 0.146), (18, 19, 0.091), (20, 21, 0.044), (22, 23, 0.011)]}
SEPARATOR = "\uE000#chunk#\uE000"
M64 = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


def random_chunks(text, bins, seed, serial=0):
    """Tok's tok_piece_counts_add_random_chunks on one block of work (text under 1 MiB)."""
    s = (seed + serial * 0x9E3779B97F4A7C15) & M64
    s = ((s ^ (s >> 31)) * 0xBF58476D1CE4E5B9) & M64
    state = s ^ (s >> 29)
    total, cum = 0.0, []
    for b in bins:
        total += b[2]
    run = 0.0
    for b in bins:
        run += b[2]
        cum.append(int(run / total * 1_000_000_000 + 0.5))
    least = min(b[0] for b in bins)
    chunks, pos, left = [], 0, len(text)
    while pos < len(text):
        if left < least:
            want = left
        else:
            state, z = splitmix64(state)
            r = (z >> 32) % cum[-1]
            k = next(i for i, c in enumerate(cum) if r < c)
            lo, hi = min(bins[k][0], left), min(bins[k][1], left)
            state, z = splitmix64(state)
            want = lo + z % (hi - lo + 1)
        chunks.append(text[pos:pos + want])
        pos += want
        left -= want
    return chunks


UDHR = ["eng", "fra", "rus", "cmn_hans", "arb", "hin", "jpn", "kor", "ell_monotonic", "heb", "tha", "tur", "vie",
        "amh", "tam"]
HELD_OUT_UDHR = ["deu_1996", "spa", "pol", "cmn_hant"]


def cut_lines(data, start, size):
    """data[start:start+size] widened to whole lines."""
    a = data.rfind(b"\n", 0, start) + 1 if start else 0
    b = data.find(b"\n", start + size)
    return data[a:b + 1 if b >= 0 else len(data)]


def pre_tokenizer(pattern):
    if pattern == "r50k":
        return pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    if pattern == "none":
        return byte_level
    regex = {"cl100k": CL100K, "o200k": O200K}[pattern]
    return pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(regex), behavior="isolated"), byte_level])


def main():
    prose = open(os.path.join(SHARED, "english", "english_prose_gutenberg.txt"), "rb").read()
    corpus = cut_lines(prose, 1_000_000, 200_000)
    for u in UDHR:
        corpus += cut_lines(open(os.path.join(SHARED, "udhr", u + ".txt"), "rb").read(), 0, 6_000)
    held = cut_lines(prose, 5_000_000, 20_000)
    for u in HELD_OUT_UDHR:
        held += cut_lines(open(os.path.join(SHARED, "udhr", u + ".txt"), "rb").read(), 0, 2_000)
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["zstd", "-19", "-q", "-f", "-o", os.path.join(OUT, "corpus.txt.zst")], input=corpus, check=True)
    held_text = held.decode("utf-8")
    out = {"corpus_bytes": len(corpus), "held_out": held_text, "cases": []}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "corpus.txt")
        open(path, "wb").write(corpus)
        for name, pattern, vocab_size, min_freq, specials, norm in CASES:
            tok = Tokenizer(models.BPE())
            if norm == "nfkc":
                tok.normalizer = normalizers.NFKC()
            tok.pre_tokenizer = pre_tokenizer(pattern)
            tok.decoder = decoders.ByteLevel()
            trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_freq, show_progress=False,
                                          special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
            tok.train([path], trainer)
            saved = json.loads(tok.to_str())
            ids = tok.encode(held_text, add_special_tokens=False).ids
            assert norm != "none" or tok.decode(ids) == held_text
            extra = {}
            if pattern == "cl100k":
                tok.pre_tokenizer = pre_tokenizers.Sequence([
                    pre_tokenizers.Split(Regex(TIKTOKEN_CL100K), behavior="isolated"),
                    pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
                extra = {"digits_text": DIGITS, "tiktoken_regex_digit_ids": tok.encode(DIGITS).ids}
            out["cases"].append({**extra, "name": name, "pattern": pattern, "vocab_size": vocab_size, "min_frequency": min_freq,
                                 "special_tokens": specials, "normalization": norm,
                                 "vocab_count": tok.get_vocab_size(), "merges": saved["model"]["merges"],
                                 "held_out_ids": ids})
            print(f"{name}: {tok.get_vocab_size()} tokens, {len(saved['model']['merges'])} merges, "
                  f"{len(ids)} held-out ids")
        out["char_cases"] = []
        for name, pattern, max_chars, vocab_size, min_freq, specials, alphabet in CHAR_CASES:
            tok = Tokenizer(models.BPE())
            tok.normalizer = normalizers.NFKC()
            if pattern != "none":
                regex = {"r50k": GPT2, "cl100k": CL100K, "o200k": O200K}[pattern]
                tok.pre_tokenizer = pre_tokenizers.Split(Regex(regex), behavior="isolated")
            trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_freq, show_progress=False,
                                          special_tokens=specials, initial_alphabet=alphabet,
                                          max_token_length=max_chars + 1)
            tok.train([path], trainer)
            saved = json.loads(tok.to_str())
            vocab = tok.get_vocab()
            # Held-out lines whose characters are all in the alphabet (tokenizers drops the others).
            lines = [l for l in tok.normalizer.normalize_str(held_text).splitlines(keepends=True)
                     if all(ch in vocab for ch in l)]
            text = "".join(lines)
            tokens = tok.encode(text, add_special_tokens=False).tokens
            assert "".join(tokens) == text
            out["char_cases"].append({"name": name, "pattern": pattern, "max_chars": max_chars,
                                      "vocab_size": vocab_size, "min_frequency": min_freq,
                                      "special_tokens": specials, "alphabet": "".join(alphabet),
                                      "vocab_count": tok.get_vocab_size(), "merges": saved["model"]["merges"],
                                      "held_out_text": text, "held_out_tokens": tokens})
            print(f"{name}: {tok.get_vocab_size()} tokens, {len(saved['model']['merges'])} merges, "
                  f"{len(tokens)} held-out tokens over {len(text)} characters")
        c = SUPER_CASE
        text = corpus.decode("utf-8")
        assert len(corpus) < 1 << 20, "one block of work: the chunks' seed is the first block's"
        chunks = random_chunks(text, c["bins"], c["seed"])
        assert "".join(chunks) == text and SEPARATOR not in text
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(SEPARATOR, behavior="removed"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=c["vocab_size"], min_frequency=c["min_frequency"], show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      max_token_length=c["max_token_length"])
        tok.train_from_iterator([SEPARATOR.join(chunks)], trainer)
        saved = json.loads(tok.to_str())
        ids = tok.encode(held_text).ids
        assert tok.decode(ids) == held_text
        out["supertokens"] = {**c, "chunks": len(chunks), "vocab_count": tok.get_vocab_size(),
                              "merges": saved["model"]["merges"], "held_out_ids": ids}
        print(f"{c['name']}: {len(chunks)} chunks, {tok.get_vocab_size()} tokens, {len(ids)} held-out ids")
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {OUT}: corpus {len(corpus)} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Make the repo's test fixtures from the reference tokenizer (tiktoken, from PyPI).

  pip install tiktoken==0.14.0
  python3 tools/make_fixtures.py            # writes Tests/Fixtures/tiktoken_*.jsonl
  python3 tools/make_fixtures.py --fuzz 200000   # development: compare `tok` on random strings

Inputs: the conformance inputs in ../shared/conformance/inputs.jsonl (long ones cut to 4,000
characters) and seeded random strings over an alphabet chosen to exercise every branch of the
split patterns: each whitespace kind, CR/LF, every letter case class (Lu Ll Lt Lm Lo), marks
(Mn Mc), numbers (Nd Nl No), apostrophes and the contraction letters (with U+017F, which case
folding maps to s), slashes, emoji and ZWJ, a Unicode 16.0 letter and a 17.0 one.
Each fixture line: {"text": ..., "ids": [...]}, ids from tiktoken's encode_ordinary.
"""
import argparse, base64, json, os, random, subprocess, sys, tempfile
import tiktoken

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
SHARED = os.path.join(ROOT, "..", "shared")
NAMES = ["r50k_base", "cl100k_base", "o200k_base"]

ALPHABET = [" ", " ", " ", "\t", "\n", "\r", "\u00a0", "\u3000", "\u2028", "\x0b", "a", "b", "A", "B", "é", "É",
            "ǅ", "ʰ", "中", "文", "\u0301", "\u0903", "1", "2", "٣", "½", "Ⅻ", "'", "'", "s", "S", "ſ", "t", "T",
            "l", "L", "v", "V", "e", "E", "r", "R", "d", "D", "m", "M", "/", "!", ".", ",", "😀", "\u200d", "\u1c89",
            "\ua7ce", "$", "<", "|", ">", "-", "_", "Ω", "ß", "ﬁ", "\ufffd", "\x00", "\x7f"]

def load(name):
    enc = json.load(open(os.path.join(SHARED, "vocab", "encodings.json")))[name]
    ranks = {}
    for line in open(os.path.join(SHARED, "vocab", enc["file"]), "rb"):
        if line.strip():
            t, r = line.split()
            ranks[base64.b64decode(t)] = int(r)
    return tiktoken.Encoding(name, pat_str=enc["pat_str"], mergeable_ranks=ranks, special_tokens=enc["special_tokens"])

def random_texts(n, seed):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k = rng.choice([1, 2, 3, 5, 8, 13, 21, 40])
        out.append("".join(rng.choice(ALPHABET) for _ in range(k)))
    return out

def conformance_texts():
    out = []
    for line in open(os.path.join(SHARED, "conformance", "inputs.jsonl"), encoding="utf-8"):
        t = json.loads(line)["text"]
        out.append(t[:4000])
    return out

def fuzz(n, tok):
    texts = random_texts(n, seed=12345)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps(t) + "\n")
    bad = 0
    for name in NAMES:
        enc = load(name)
        out = subprocess.run([tok, "encode", "--vocab", name, "--input", "jsonl", "--format", "jsonl",
                              "--special-as-text", f.name], capture_output=True, check=True).stdout.decode().splitlines()
        diffs = [(t, enc.encode_ordinary(t), json.loads(g)) for t, g in zip(texts, out)]
        diffs = [d for d in diffs if d[1] != d[2]]
        print(f"{name}: {n - len(diffs)}/{n} identical")
        for t, r, g in diffs[:5]:
            print(f"   {t!r}: ref {r} tok {g}")
        bad += len(diffs)
    sys.exit(1 if bad else 0)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fuzz", type=int, default=0)
    ap.add_argument("--tok", default=os.path.join(ROOT, ".build", "release", "tok"))
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures"))
    a = ap.parse_args()
    if a.fuzz:
        fuzz(a.fuzz, a.tok)
    texts = conformance_texts() + random_texts(1500, seed=7)
    os.makedirs(a.out, exist_ok=True)
    # The other split patterns, checked with the shipped cl100k ranks: tiktoken with cl100k's
    # ranks and the Llama-3 / Qwen regex, so the repo's tests pin those scanners without the
    # models' own vocabularies.
    encs = json.load(open(os.path.join(SHARED, "vocab", "encodings.json")))
    cl = load("cl100k_base")
    short = [t[:1000] for t in conformance_texts()] + random_texts(1500, seed=11)
    # Mistral's Tekken pattern comes from its tekken.json.
    tekken = json.load(open(os.path.join(SHARED, "vocab", "mistral", "tekken_240911.json")))["config"]["pattern"]
    for pname, key in [("llama3", "llama3"), ("qwen2", "qwen2.5/qwen3"), ("qwen3_5", "qwen3.5/3.6"), ("tekken", None)]:
        pat = tekken if key is None else encs[key]["pat_str"]
        enc = tiktoken.Encoding(f"cl100k_{pname}", pat_str=pat, mergeable_ranks=cl._mergeable_ranks, special_tokens={})
        with open(os.path.join(a.out, f"pattern_{pname}.jsonl"), "w", encoding="utf-8") as f:
            for t in short:
                f.write(json.dumps({"text": t, "ids": enc.encode_ordinary(t)}, ensure_ascii=False) + "\n")
        print(f"wrote pattern_{pname}.jsonl: {len(short)} texts")
    for name in NAMES:
        enc = load(name)
        with open(os.path.join(a.out, f"tiktoken_{name}.jsonl"), "w", encoding="utf-8") as f:
            for t in texts:
                f.write(json.dumps({"text": t, "ids": enc.encode_ordinary(t)}, ensure_ascii=False) + "\n")
        print(f"wrote tiktoken_{name}.jsonl: {len(texts)} texts")

if __name__ == "__main__":
    main()

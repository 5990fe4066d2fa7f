#!/usr/bin/env python3
"""Differential test against tiktoken on whole files (development tool; needs `pip install tiktoken`).

  python3 tools/diff_tiktoken.py [--tok PATH] [--encodings cl100k_base,...] [--max-bytes N] FILE...

Each file is encoded whole (and line by line with --lines) by tiktoken (vocabularies read from
../shared/vocab, offline) and by `tok encode`; prints `identical` or the first difference.
Files that are not valid UTF-8 are skipped (tiktoken takes str).
"""
import argparse, json, os, subprocess, sys
import tiktoken

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB = os.path.join(HERE, "..", "..", "shared", "vocab")

def load(name):
    enc = json.load(open(os.path.join(VOCAB, "encodings.json")))[name]
    ranks = {}
    import base64
    for line in open(os.path.join(VOCAB, enc["file"]), "rb"):
        if line.strip():
            t, r = line.split()
            ranks[base64.b64decode(t)] = int(r)
    return tiktoken.Encoding(name, pat_str=enc["pat_str"], mergeable_ranks=ranks, special_tokens=enc["special_tokens"])

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tok", default=os.path.join(HERE, "..", ".build", "release", "tok"))
    ap.add_argument("--encodings", default="r50k_base,cl100k_base,o200k_base")
    ap.add_argument("--max-bytes", type=int, default=4 << 20)
    ap.add_argument("--lines", action="store_true")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    bad = 0
    for name in a.encodings.split(","):
        enc = load(name)
        for f in a.files:
            raw = open(f, "rb").read()[: a.max_bytes]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raw = raw[: e.start]
                text = raw.decode("utf-8")
            try:
                ref = enc.encode_ordinary(text)
            except BaseException as e:  # pyo3's PanicException: tiktoken's regex overflows its stack on some adversarial files
                if isinstance(e, (KeyboardInterrupt, SystemExit)):
                    raise
                print(f"{name} {os.path.basename(f)}: reference failed ({type(e).__name__}: {e}); not compared")
                continue
            out = subprocess.run([a.tok, "encode", "--vocab", name, "--format", "json", "--special-as-text"], input=text.encode(),
                                 capture_output=True, check=True).stdout
            got = json.loads(out)[0]
            if ref == got:
                print(f"{name} {os.path.basename(f)}: identical ({len(ref)} tokens)")
            else:
                bad += 1
                k = next((i for i, (x, y) in enumerate(zip(ref, got)) if x != y), min(len(ref), len(got)))
                ctx = enc.decode(ref[max(0, k - 3):k + 3])
                print(f"{name} {os.path.basename(f)}: DIFFERENT at token {k}: ref {ref[k:k+5]} tok {got[k:k+5]} near {ctx!r}")
    sys.exit(1 if bad else 0)

if __name__ == "__main__":
    main()

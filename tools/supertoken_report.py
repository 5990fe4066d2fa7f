#!/usr/bin/env python3
"""Bytes per token on held-out text before and after supertokens, for the README (#6).

  swift build -c release
  python3 tools/supertoken_report.py [--vocab-size 32000] [--transition 24000]

Two corpora from ../shared/corpus, each split into training and held-out text that never overlap:
  - English: the Gutenberg prose file; the last 2 MB (cut at a line end) is held out.
  - UDHR: every translation in udhr/; the last fifth of each (cut at a line end) is held out, so
    every language is on both sides.
On each, with the same vocabulary size, it trains (`tok train …`, its own process, timed):
  ordinary byte-level BPE (gpt2 pattern), SuperBPE (BPE to --transition, then superwords),
  TokenAdapt-style supertokens (random chunks, TokenAdapt's defaults), and character-level BPE
  (4 characters at most, NFKC), and encodes the held-out text with each (`tok encode`).
Bytes per token = held-out bytes / tokens; higher is better compression.
"""
import argparse, os, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
SHARED = os.path.join(ROOT, "..", "shared", "corpus")
TOK = os.path.join(ROOT, ".build", "release", "tok")


def cut_at_line(data, at):
    """data split at the first line end at or after `at`."""
    k = data.find(b"\n", at)
    k = len(data) if k < 0 else k + 1
    return data[:k], data[k:]


def corpora():
    prose = open(os.path.join(SHARED, "english", "english_prose_gutenberg.txt"), "rb").read()
    en_train, en_held = cut_at_line(prose, len(prose) - 2_000_000)
    udhr_train, udhr_held = b"", b""
    d = os.path.join(SHARED, "udhr")
    for name in sorted(os.listdir(d)):
        if not name.endswith(".txt"):
            continue
        text = open(os.path.join(d, name), "rb").read()
        a, b = cut_at_line(text, len(text) * 4 // 5)
        udhr_train += a if a.endswith(b"\n") else a + b"\n"
        udhr_held += b
    return [("English (Gutenberg prose)", en_train, en_held), ("UDHR (all translations)", udhr_train, udhr_held)]


def train(args, kind, extra, corpus, out):
    cmd = [TOK, "train", kind, "--vocab-size", str(args.vocab_size), "--quiet", "--out", out] + extra + [corpus]
    t = time.time()
    subprocess.run(cmd, check=True)
    return time.time() - t


def count_tokens(vocab, extra, held_path):
    with open(held_path, "rb") as f:
        out = subprocess.run([TOK, "encode", "--vocab", vocab] + extra, stdin=f, capture_output=True, check=True).stdout
    return len(out.split())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab-size", type=int, default=32000)
    ap.add_argument("--transition", type=int, default=24000)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for name, train_text, held_text in corpora():
            tp, hp = os.path.join(d, "train.txt"), os.path.join(d, "held.txt")
            open(tp, "wb").write(train_text)
            open(hp, "wb").write(held_text)
            runs = [
                ("BPE (gpt2 pattern)", "bpe", [], "bpe.tiktoken", ["--pattern", "gpt2"]),
                (f"SuperBPE (t = {args.transition})", "superbpe", ["--transition", str(args.transition)],
                 "superbpe.tiktoken", ["--pattern", "superword"]),
                ("supertokens (TokenAdapt defaults)", "supertokens", [], "supertokens.json", []),
                ("char-BPE (≤ 4 characters, NFKC)", "char-bpe", ["--max-chars", "4"], "charbpe.json", []),
            ]
            base = None
            for label, kind, extra, out, enc in runs:
                path = os.path.join(d, out)
                secs = train(args, kind, extra, tp, path)
                n = count_tokens(path, enc, hp)
                bpt = len(held_text) / n
                base = base or n
                rows.append((name, label, len(train_text), len(held_text), secs, n, bpt, 100 * (1 - n / base)))
                print(f"{name:28} {label:36} {secs:6.1f} s  {n:9d} tokens  {bpt:.3f} bytes/token  {rows[-1][7]:+.1f}%",
                      file=sys.stderr)
    print(f"\n| corpus (train / held-out) | tokenizer ({args.vocab_size:,} tokens) | train time | held-out tokens | bytes/token | fewer tokens than BPE |")
    print("|---|---|---:|---:|---:|---:|")
    for name, label, tn, hn, secs, n, bpt, fewer in rows:
        print(f"| {name} ({tn / 1e6:.1f} / {hn / 1e6:.1f} MB) | {label} | {secs:.1f} s | {n:,} | {bpt:.3f} | {fewer:+.1f}% |")


if __name__ == "__main__":
    main()

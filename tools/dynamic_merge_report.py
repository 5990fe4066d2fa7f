#!/usr/bin/env python3
"""Sequence-length reduction of dynamic BPE on the UDHR, per script (the README's table).

  swift build -c release && python3 tools/dynamic_merge_report.py [--merges 10,100,1000]

Each language's articles (preamble and 30 articles, from ../shared/corpus/udhr/udhr_aligned_articles.tsv)
form one batch (padded to 32 texts with empty ones); `tok merge` runs with each budget for
cl100k_base and Llama-3 (../shared/vocab/llama3/tokenizer.model). A language's script is the most
common script among its letters (from Unicode character names). Prints a markdown table: per
script, the number of languages and the reduction (1 - units / base tokens, over all its batches).
"""
import argparse, json, os, subprocess, tempfile, unicodedata
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared")
NAMES = {"CJK": "Han", "HIRAGANA": "Japanese kana", "KATAKANA": "Japanese kana", "HANGUL": "Hangul"}


def script(text):
    c = Counter()
    for ch in text:
        if ch.isalpha():
            try:
                w = unicodedata.name(ch).split()[0]
            except ValueError:
                continue
            c[NAMES.get(w, w.title())] += 1
    return c.most_common(1)[0][0] if c else "Unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tok", default=os.path.join(HERE, "..", ".build", "release", "tok"))
    ap.add_argument("--merges", default="10,100,1000")
    a = ap.parse_args()
    langs = defaultdict(list)
    for line in open(os.path.join(SHARED, "corpus", "udhr", "udhr_aligned_articles.tsv"), encoding="utf-8").read().split("\n")[1:]:
        f = line.split("\t")
        if len(f) == 5:
            langs[f[1]].append(f[4])
    order = sorted(langs)
    scripts = {l: script(" ".join(langs[l])) for l in order}
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for l in order:
            arts = langs[l][:32]
            for t in arts + [""] * (32 - len(arts)):
                f.write(json.dumps(t, ensure_ascii=False) + "\n")
    vocabs = {"cl100k": ["--vocab", "cl100k_base"],
              "Llama-3": ["--vocab", os.path.join(SHARED, "vocab", "llama3", "tokenizer.model"), "--pattern", "llama3"]}
    budgets = [int(x) for x in a.merges.split(",")]
    cols = []
    result = {}   # (vocab, budget) -> script -> [base, units]
    for vname, vargs in vocabs.items():
        for b in budgets:
            out = subprocess.run([a.tok, "merge", *vargs, "--merges", str(b), "--batch", "32", "--input", "jsonl", f.name],
                                 capture_output=True, check=True).stdout.decode().split("\n")
            recs = [json.loads(x) for x in out if x]
            acc = defaultdict(lambda: [0, 0])
            for k, r in enumerate(recs):
                s = scripts[order[k // 32]]
                acc[s][0] += len(r["ids"])
                acc[s][1] += len(r["spans"])
                acc["all"][0] += len(r["ids"])
                acc["all"][1] += len(r["spans"])
            result[(vname, b)] = acc
            cols.append((vname, b))
    count = Counter(scripts.values())
    print("| script | languages | " + " | ".join(f"{v} {b}" for v, b in cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for s, n in sorted(count.items(), key=lambda x: (-x[1], x[0])) + [("all", len(order))]:
        cells = []
        for c in cols:
            base, units = result[c][s]
            cells.append(f"{100 * (1 - units / base):.1f}%" if base else "n/a")
        print(f"| {s} | {n} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

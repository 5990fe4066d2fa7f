#!/usr/bin/env python3
"""The README's tokenizer audit table: `tok probe audit` on English and the UDHR for r50k, cl100k,
o200k, Llama-3 and the Mistral v3 SentencePiece model (share of word occurrences with an alternative encoding one step away).

  swift build -c release && python3 tools/probe_audit_report.py
"""
import json, os, subprocess, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared")
TOK = os.path.join(HERE, "..", ".build", "release", "tok")
CLASSES = ["whitespace-boundary-shift", "intra-word-resegmentation", "punctuation-attachment",
           "split-character", "normalization", "case-or-width"]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        eng = os.path.join(tmp, "english-4MB.txt")
        with open(os.path.join(SHARED, "corpus", "english", "english_prose_gutenberg.txt"), "rb") as f, open(eng, "wb") as o:
            o.write(f.read(4_000_000))
        udhr = os.path.join(tmp, "udhr-all.txt")
        with open(udhr, "wb") as o:
            d = os.path.join(SHARED, "corpus", "udhr")
            for n in sorted(os.listdir(d)):
                if n.endswith(".txt"):
                    o.write(open(os.path.join(d, n), "rb").read())
        vocabs = [("r50k", ["--vocab", "r50k_base"]), ("cl100k", ["--vocab", "cl100k_base"]),
                  ("o200k", ["--vocab", "o200k_base"]),
                  ("Llama-3", ["--vocab", os.path.join(SHARED, "vocab", "llama3", "tokenizer.model"), "--pattern", "llama3"]),
                  ("Mistral v3 (SentencePiece)", ["--vocab", os.path.join(SHARED, "vocab", "mistral", "mistral_instruct_tokenizer_240323.model.v3")])]
        print("| corpus | tokenizer | words | " + " | ".join(CLASSES) + " |")
        print("|---|---|---|" + "---|" * len(CLASSES))
        for cname, path in [("English (4 MB)", eng), ("UDHR (all)", udhr)]:
            for vname, args in vocabs:
                r = json.loads(subprocess.run([TOK, "probe", "audit", *args, "--format", "json", path],
                                              capture_output=True, check=True).stdout)
                cells = [f"{100 * r[c] / r['words']:.1f}%" for c in CLASSES]
                print(f"| {cname} | {vname} | {r['words']:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

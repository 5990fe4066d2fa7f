#!/usr/bin/env python3
"""Bytes per token by script on the UDHR (435 language versions), for the README.

  swift build -c release && python3 tools/udhr_report.py [--shared ../shared]

Runs `tok analyze --format json --group-by file` on every language file of
../shared/corpus/udhr, reads the script of each file from MANIFEST.tsv (dominant_scripts), and
prints a markdown table: per script, the number of languages and the bytes per token of r50k_base,
cl100k_base and o200k_base (total bytes / total tokens over that script's files), and the first
16 MB of the English prose corpus for comparison.
"""
import argparse, collections, csv, json, os, subprocess, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VOCABS = ["r50k_base", "cl100k_base", "o200k_base"]

def analyze(tok, paths):
    args = [tok, "analyze", "--format", "json", "--group-by", "file", "--zstd-levels", "3"]
    for v in VOCABS:
        args += ["--vocab", v]
    return json.loads(subprocess.run(args + paths, capture_output=True, check=True).stdout)["groups"]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--tok", default=os.path.join(ROOT, ".build", "release", "tok"))
    a = ap.parse_args()
    udhr = os.path.join(a.shared, "corpus", "udhr")
    manifest = {r["file"]: r for r in csv.DictReader(open(os.path.join(udhr, "MANIFEST.tsv"), encoding="utf-8"), delimiter="\t")}
    files = sorted(os.path.join(udhr, f) for f in manifest)
    groups = analyze(a.tok, files)
    by_script = collections.defaultdict(lambda: {"langs": 0, "bytes": collections.Counter(), "tokens": collections.Counter()})
    for g in groups:
        name = os.path.basename(g["group"])
        if name not in manifest:
            continue
        s = by_script[manifest[name]["dominant_scripts"]]
        s["langs"] += 1
        for r in g["reports"]:
            s["bytes"][r["tokenizer"]] += r["bytes"]
            s["tokens"][r["tokenizer"]] += r["tokens"]
    with tempfile.TemporaryDirectory() as tmp:
        eng = os.path.join(tmp, "english-16MB.txt")
        with open(os.path.join(a.shared, "corpus", "english", "english_prose_gutenberg.txt"), "rb") as f, open(eng, "wb") as o:
            o.write(f.read(16_000_000))
        english = {r["tokenizer"]: r["bytes_per_token"] for r in analyze(a.tok, [eng])[0]["reports"]}
    print("| script | languages | r50k_base | cl100k_base | o200k_base | o200k / cl100k |")
    print("|---|---|---|---|---|---|")
    print("| English prose (16 MB) | 1 | " + " | ".join(f"{english[v]:.2f}" for v in VOCABS) +
          f" | {english['o200k_base'] / english['cl100k_base']:.2f} |")
    better = 0
    rows = sorted(by_script.items(), key=lambda kv: -kv[1]["langs"])
    for script, s in rows:
        bpt = {v: s["bytes"][v] / s["tokens"][v] for v in VOCABS}
        ratio = bpt["o200k_base"] / bpt["cl100k_base"]
        better += script != "Latin" and ratio > 1
        print(f"| {script} | {s['langs']} | " + " | ".join(f"{bpt[v]:.2f}" for v in VOCABS) + f" | {ratio:.2f} |")
    non_latin = sum(1 for k in by_script if k != "Latin")
    print(f"\no200k_base has more bytes per token than cl100k_base in {better} of {non_latin} non-Latin scripts.")

if __name__ == "__main__":
    main()

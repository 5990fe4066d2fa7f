#!/usr/bin/env python3
"""Mistral Tekken: Tok against mistral-common, and the repo's small Tekken fixture.

  pip install mistral-common==1.13.1
  swift build -c release
  python3 tools/tekken_conformance.py            # the full tekken_240911.json on ../shared's inputs
  python3 tools/tekken_conformance.py --fixture  # writes Tests/Fixtures/formats/tekken_small.*

Both encode every text of ../shared/conformance/inputs.jsonl with mistral-common's Tekkenizer
(`encode(text, bos=False, eos=False)`: control tokens are never recognized in text) and with
`tok encode --special-as-text`, and compare the ids; then decode Tok's ids back.
The fixture is the real file cut to its first 6,000 ranks (default_vocab_size 7,000 with its 1,000
control tokens), small enough to ship, with mistral-common's ids for the same cut file.
"""
import argparse, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
SHARED = os.path.join(ROOT, "..", "shared")
TEKKEN = os.path.join(SHARED, "vocab", "mistral", "tekken_240911.json")
TOK = os.path.join(ROOT, ".build", "release", "tok")


def reference(path, texts):
    """mistral-common's ids for each text, and its decoding of them."""
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer
    t = Tekkenizer.from_file(path)
    ids = [t.encode(s, bos=False, eos=False) for s in texts]
    return ids, [t.decode(i) for i in ids]


def tok_ids(path, texts):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for s in texts:
            f.write(json.dumps({"text": s}, ensure_ascii=False) + "\n")
    out = subprocess.run([TOK, "encode", "--vocab", path, "--special-as-text", "--input", "jsonl", "--format", "jsonl", f.name],
                         capture_output=True, check=True).stdout.decode().splitlines()
    os.unlink(f.name)
    return [json.loads(l) for l in out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixture", action="store_true")
    a = ap.parse_args()
    texts = [json.loads(l)["text"] for l in open(os.path.join(SHARED, "conformance", "inputs.jsonl"), encoding="utf-8")]
    path = TEKKEN
    if a.fixture:
        full = json.load(open(TEKKEN, encoding="utf-8"))
        ranks = 6000
        small = {"config": {**full["config"], "default_vocab_size": full["config"]["default_num_special_tokens"] + ranks,
                            "num_vocab_tokens": ranks},
                 "vocab": [e for e in full["vocab"] if e["rank"] < ranks]}
        out_dir = os.path.join(ROOT, "Tests", "Fixtures", "formats")
        path = os.path.join(tempfile.mkdtemp(), "tekken_small.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(small, f, ensure_ascii=False)
        subprocess.run(["zstd", "-19", "-q", "-f", path, "-o", os.path.join(out_dir, "tekken_small.json.zst")], check=True)
    ref, decoded = reference(path, texts)
    got = tok_ids(path, texts)
    same = sum(r == g for r, g in zip(ref, got))
    print(f"tekken ({os.path.basename(path)}): {same}/{len(texts)} identical")
    for s, r, g in [(s, r, g) for s, r, g in zip(texts, ref, got) if r != g][:5]:
        print(f"  {s[:60]!r}: mistral-common {r[:12]} tok {g[:12]}")
    if a.fixture:
        with open(os.path.join(ROOT, "Tests", "Fixtures", "formats", "tekken_small.jsonl"), "w", encoding="utf-8") as f:
            for s, r, d in zip(texts, ref, decoded):
                f.write(json.dumps({"text": s, "ids": r, "decoded": d}, ensure_ascii=False) + "\n")
        print("wrote Tests/Fixtures/formats/tekken_small.json.zst and tekken_small.jsonl")
    sys.exit(0 if same == len(texts) else 1)


if __name__ == "__main__":
    main()

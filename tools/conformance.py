#!/usr/bin/env python3
"""Check Tok against the reference vectors in ../shared/conformance (made by tiktoken 0.14.0).

  swift build -c release && python3 tools/conformance.py [--tok .build/release/tok] [ENCODING...]

With `hat` among the names (the default includes it), it also runs `tok split` over the texts of
hat_splitter.jsonl (made by hat-splitter) and compares `words` and `words_base64` (limits 4, 16).

For each encoding it runs `tok encode --input jsonl --format jsonl` over inputs.jsonl and prints
`N/N identical`; on a difference it shows the first few inputs that differ. Exit status 1 if any
line differs.
"""
import argparse, json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "conformance")
VOCAB = os.path.join(HERE, "..", "..", "shared", "vocab")
ENCODINGS = {"r50k_base": ["--vocab", "r50k_base"], "cl100k_base": ["--vocab", "cl100k_base"],
             "o200k_base": ["--vocab", "o200k_base"],
             # other tiktoken-style vocabularies, loaded by path with their pattern
             "llama3": ["--vocab", os.path.join(VOCAB, "llama3", "tokenizer.model"), "--pattern", "llama3"],
             "qwen2": ["--vocab", os.path.join(VOCAB, "qwen.tiktoken"), "--pattern", "qwen2"],
             "qwen3_6": ["--vocab", os.path.join(VOCAB, "qwen3_6.tiktoken"), "--pattern", "qwen3.6"],
             # tokenizer files (format detected): added tokens in the text are matched, as
             # tokenizers' encode(text, add_special_tokens=False) does; SentencePiece has none
             "hf_llama3": ["--vocab", os.path.join(VOCAB, "llama3", "tokenizer.json"), "--allow-special", "all"],
             "hf_deepseek_v4": ["--vocab", os.path.join(VOCAB, "deepseek-v4", "tokenizer.json"), "--allow-special", "all"],
             "hf_bert_minilm": ["--vocab", os.path.join(VOCAB, "bert-all-MiniLM-L6-v2", "tokenizer.json"), "--allow-special", "all",
                                "--pad"],  # the reference kept the file's padding to 128 (truncation off)
             "spm_mistral_v1": ["--vocab", os.path.join(VOCAB, "mistral", "tokenizer.model.v1"), "--special-as-text"],
             "spm_mistral_v3": ["--vocab", os.path.join(VOCAB, "mistral", "mistral_instruct_tokenizer_240323.model.v3"), "--special-as-text"]}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tok", default=os.path.join(HERE, "..", ".build", "release", "tok"))
    ap.add_argument("--conformance", default=SHARED)
    ap.add_argument("encodings", nargs="*", default=list(ENCODINGS) + ["hat"],
                    help="r50k_base cl100k_base o200k_base (built in), llama3 qwen2 qwen3_6 (from ../shared/vocab), hat")
    a = ap.parse_args()
    inputs_path = os.path.join(a.conformance, "inputs.jsonl")
    inputs = [json.loads(l) for l in open(inputs_path, encoding="utf-8")]
    failed = False
    for name in a.encodings:
        if name == "hat":
            failed |= not hat(a)
            continue
        args = ENCODINGS[name]
        if "--allow-special" not in args and "--special-as-text" not in args:
            args = args + ["--special-as-text"]
        ref_name = name if name.startswith(("hf_", "spm_")) else f"tiktoken_{name}"
        ref = [json.loads(l) for l in open(os.path.join(a.conformance, f"{ref_name}.jsonl"))]
        out = subprocess.run([a.tok, "encode", *args, "--input", "jsonl", "--format", "jsonl",
                              inputs_path], capture_output=True, check=True).stdout
        got = [json.loads(l) for l in out.decode().splitlines()]
        same = sum(1 for r, g in zip(ref, got) if r["ids"] == g) if len(got) == len(ref) else 0
        print(f"{name}: {same}/{len(ref)} identical")
        if same != len(ref):
            failed = True
            shown = 0
            for inp, r, g in zip(inputs, ref, got):
                if r["ids"] != g and shown < 5:
                    shown += 1
                    k = next((i for i, (x, y) in enumerate(zip(r["ids"], g)) if x != y), min(len(r["ids"]), len(g)))
                    print(f"  {inp['id']}: first difference at token {k}: ref {r['ids'][k:k+6]} tok {g[k:k+6]}")
    sys.exit(1 if failed else 0)

def hat(a):
    import base64, tempfile
    recs = [json.loads(l) for l in open(os.path.join(a.conformance, "hat_splitter.jsonl"), encoding="utf-8")]
    texts = {}
    for r in recs:
        if "words" in r:
            texts.setdefault(r["id"], "".join(r["words"]))
    ok = True
    for limit in (None, 4, 16):
        want = [r for r in recs if r.get("max_bytes_per_word") == limit]
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
            for r in want:
                f.write(json.dumps(texts[r["id"]], ensure_ascii=False) + "\n")
        args = [a.tok, "split", "--input", "jsonl", "--format", "jsonl", f.name]
        if limit:
            args[2:2] = ["--max-bytes", str(limit)]
        out = subprocess.run(args, capture_output=True, check=True).stdout.decode().split("\n")
        same = 0
        for r, line in zip(want, out):
            g = json.loads(line)
            got = [base64.b64decode(w) for w in g["words_base64"]] if "words_base64" in g else [w.encode() for w in g["words"]]
            exp = [base64.b64decode(w) for w in r["words_base64"]] if "words_base64" in r else [w.encode() for w in r["words"]]
            if got == exp:
                same += 1
            elif same >= 0:
                print(f"  {r['id']} (limit {limit}): tok {got[:6]} ref {exp[:6]}")
        print(f"hat (limit {limit}): {same}/{len(want)} identical")
        ok &= same == len(want)
    return ok

if __name__ == "__main__":
    main()

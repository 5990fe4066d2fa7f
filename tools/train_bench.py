#!/usr/bin/env python3
"""Train byte-level BPE with Tok and with Hugging Face `tokenizers` on the same corpus, in one run,
and check that the results agree.

  pip install tokenizers==0.23.3
  swift build -c release
  python3 tools/train_bench.py [--vocab-size 32000] [--pattern gpt2|cl100k|o200k] [CORPUS]
  python3 tools/train_bench.py --supertokens [--vocab-size 32000] [CORPUS]

CORPUS defaults to ../shared/corpus/english/english_prose_gutenberg.txt (64 MB). Each trainer runs
in its own process (`tok train bpe`; a Python child for tokenizers' BpeTrainer with the ByteLevel
alphabet) so wall time and peak memory (ru_maxrss) are measured alike. Then:
  - the merges of both tokenizer.json files are compared (all of them, in order);
  - Tok's tokenizer.json is loaded in `tokenizers` and encodes held-out text (the last 1 MB of the
    corpus is not held out: training sees it all; held-out text is the UDHR set when present) to
    the same ids as the reference-trained tokenizer, and as Tok's own encoder (`tok encode`) with
    the .tiktoken form.
With --supertokens: the corpus is cut into Tok's random chunks here (the same generator, seed and
1 MiB blocks; not timed), BpeTrainer trains on them (TokenAdapt's settings) and `tok train
supertokens` on the raw corpus (its chunking timed); merges and held-out ids are compared.
"""
import argparse, json, os, resource, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
SHARED = os.path.join(ROOT, "..", "shared")
TOK = os.path.join(ROOT, ".build", "release", "tok")

CHILD = r"""
import sys, time, resource
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
path, vs, pattern, regex, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
tok = Tokenizer(models.BPE())
bl = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=(pattern == "gpt2"))
tok.pre_tokenizer = bl if pattern == "gpt2" else pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(regex), behavior="isolated"), bl])
tok.decoder = decoders.ByteLevel()
tr = trainers.BpeTrainer(vocab_size=vs, min_frequency=0, show_progress=False, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
t = time.time(); tok.train([path], tr); dt = time.time() - t
tok.save(out)
print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

SUPER_CHILD = r"""
import sys, time, resource
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
path, vs, sep, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
blocks = open(path, encoding="utf-8").read().split(sep + sep)  # blocks of work, each of chunks joined by sep
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(sep, behavior="removed"),
                                             pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
tok.decoder = decoders.ByteLevel()
tr = trainers.BpeTrainer(vocab_size=vs, min_frequency=2, show_progress=False, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                         max_token_length=30)
t = time.time(); tok.train_from_iterator(blocks, tr); dt = time.time() - t
tok.save(out)
print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

sys.path.insert(0, HERE)
from make_train_fixtures import CL100K, O200K, SEPARATOR, SUPER_CASE, random_chunks  # noqa: E402  (Oniguruma-safe forms: SplitPattern.onigurumaRegex)


def blocks_of_work(data):
    """The 1 MiB blocks (cut after a newline) Tok's piece counter hands to threads, in order."""
    out, a = [], 0
    while a < len(data):
        b = min(len(data), a + (1 << 20))
        if b < len(data):
            k = data.find(b"\n", b)
            b = len(data) if k < 0 else k + 1
        out.append(data[a:b])
        a = b
    return out


def supertokens(args):
    """TokenAdapt-style supertokens: tok train supertokens against BpeTrainer on the same chunks."""
    from tokenizers import Tokenizer
    data = open(args.corpus, "rb").read()
    bins, seed = SUPER_CASE["bins"], 0
    with tempfile.TemporaryDirectory() as d:
        chunked, hf_json, tok_json = (os.path.join(d, n) for n in ("chunked.txt", "hf.json", "tok.json"))
        with open(chunked, "w", encoding="utf-8") as f:
            f.write((SEPARATOR + SEPARATOR).join(SEPARATOR.join(random_chunks(b.decode("utf-8"), bins, seed, k))
                                               for k, b in enumerate(blocks_of_work(data))))
        r = subprocess.run([sys.executable, "-c", SUPER_CHILD, chunked, str(args.vocab_size), SEPARATOR, hf_json],
                           capture_output=True, text=True, check=True)
        hf_s, hf_rss = float(r.stdout.split()[0]), int(r.stdout.split()[1])
        t = time.time()
        p = subprocess.Popen([TOK, "train", "supertokens", "--vocab-size", str(args.vocab_size), "--normalize", "none",
                              "--seed", str(seed), "--quiet", "--out", tok_json, args.corpus])
        _, status, ru = os.wait4(p.pid, 0)
        tok_s, tok_rss = time.time() - t, ru.ru_maxrss
        if status != 0:
            sys.exit("tok train supertokens failed")
        a = json.load(open(hf_json))["model"]
        b = json.load(open(tok_json))["model"]
        first = next((i for i, (x, y) in enumerate(zip(a["merges"], b["merges"])) if x != y), None)
        same = first is None and len(a["merges"]) == len(b["merges"])
        held = data[-200_000:].decode("utf-8", errors="ignore")
        ids_same = Tokenizer.from_file(hf_json).encode(held).ids == Tokenizer.from_file(tok_json).encode(held).ids
    print(f"corpus: {args.corpus} ({len(data) / 1e6:.1f} MB), supertokens, vocabulary {args.vocab_size}, "
          f"TokenAdapt chunk lengths, seed {seed}, min frequency 2, tokens of at most 29 bytes")
    print()
    print("| trainer | seconds | peak memory | speed vs tokenizers |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| Hugging Face tokenizers 0.23.3 (BpeTrainer on the same chunks) | {hf_s:.2f} | {hf_rss / 1024:.0f} MiB | 1.0× |")
    print(f"| tok train supertokens (chunking included) | {tok_s:.2f} | {tok_rss / 1024:.0f} MiB | {hf_s / tok_s:.1f}× |")
    print()
    print(f"merges identical: {same} ({len(b['merges'])} merges" + (f"; first difference at {first})" if first is not None else ")"))
    print(f"held-out ids identical: {ids_same}")
    sys.exit(0 if same and ids_same else 1)

REGEX = {"gpt2": "", "cl100k": CL100K, "o200k": O200K}


def run_tok(args, corpus, out):
    t = time.time()
    p = subprocess.Popen([TOK, "train", "bpe", "--vocab-size", str(args.vocab_size), "--pattern", args.pattern,
                          "--quiet", "--out", out, corpus])
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit("tok train failed")
    return time.time() - t, ru.ru_maxrss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab-size", type=int, default=32000)
    ap.add_argument("--pattern", default="gpt2", choices=sorted(REGEX))
    ap.add_argument("corpus", nargs="?", default=os.path.join(SHARED, "corpus", "english", "english_prose_gutenberg.txt"))
    ap.add_argument("--supertokens", action="store_true", help="TokenAdapt-style supertokens instead of plain BPE")
    args = ap.parse_args()
    if args.supertokens:
        return supertokens(args)
    from tokenizers import Tokenizer

    size = os.path.getsize(args.corpus)
    with tempfile.TemporaryDirectory() as d:
        hf_json, tok_json, tok_tt = (os.path.join(d, n) for n in ("hf.json", "tok.json", "tok.tiktoken"))
        r = subprocess.run([sys.executable, "-c", CHILD, args.corpus, str(args.vocab_size), args.pattern,
                            REGEX[args.pattern], hf_json], capture_output=True, text=True, check=True)
        hf_s, hf_rss = r.stdout.split()
        hf_s, hf_rss = float(hf_s), int(hf_rss)
        tok_s, tok_rss = run_tok(args, args.corpus, tok_json)
        run_tok(args, args.corpus, tok_tt)
        a = json.load(open(hf_json))["model"]
        b = json.load(open(tok_json))["model"]
        first = next((i for i, (x, y) in enumerate(zip(a["merges"], b["merges"])) if x != y), None)
        same = first is None and len(a["merges"]) == len(b["merges"]) and a["vocab"] == b["vocab"]

        held = []
        udhr = os.path.join(SHARED, "corpus", "udhr")
        if os.path.isdir(udhr):
            for f in sorted(os.listdir(udhr))[:60]:
                if f.endswith(".txt"):
                    held.append(open(os.path.join(udhr, f), encoding="utf-8").read())
        held.append(open(args.corpus, encoding="utf-8", errors="replace").read(200_000))
        hf = Tokenizer.from_file(hf_json)
        mine = Tokenizer.from_file(tok_json)
        ids_hf = [hf.encode(t, add_special_tokens=False).ids for t in held]
        ids_mine = [mine.encode(t, add_special_tokens=False).ids for t in held]
        load_same = ids_hf == ids_mine
        # Tok's encoder on the .tiktoken form: ranks = ids (no special tokens here).
        tt_same = 0
        for t, ids in zip(held, ids_hf):
            out = subprocess.run([TOK, "encode", "--vocab", tok_tt, "--pattern", args.pattern, "--format", "json"],
                                 input=t.encode(), capture_output=True, check=True).stdout
            tt_same += json.loads(out) == [ids]  # one array per input
    print(f"corpus: {args.corpus} ({size / 1e6:.1f} MB), vocabulary {args.vocab_size}, pattern {args.pattern}")
    print()
    print("| trainer | seconds | peak memory | speed vs tokenizers |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| Hugging Face tokenizers 0.23.3 (BpeTrainer) | {hf_s:.2f} | {hf_rss / 1024:.0f} MiB | 1.0× |")
    print(f"| tok train bpe | {tok_s:.2f} | {tok_rss / 1024:.0f} MiB | {hf_s / tok_s:.1f}× |")
    print()
    print(f"merges identical: {same} ({len(b['merges'])} merges" + (f"; first difference at {first})" if first is not None else ")"))
    print(f"Tok's tokenizer.json in tokenizers encodes {len(held)} held-out texts as the reference: {load_same}")
    print(f"Tok's .tiktoken form in tok encode gives the same ids: {tt_same}/{len(held)} texts")
    sys.exit(0 if same and load_same else 1)


if __name__ == "__main__":
    main()

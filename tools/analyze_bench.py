#!/usr/bin/env python3
"""Time `tok analyze` against encoding alone and against tokenization-scorer (development).

  pip install tokenization-scorer==1.1.8
  swift build -c release && python3 tools/analyze_bench.py [--vocab o200k_base] [--with-19]

Inputs: 16 MB of English prose, the code corpus and the UDHR directory from ../shared/corpus.
Every Tok run is pinned to one core (taskset -c 0); encode and analyze take turns, best of
seven each (--runs), the zstd column the best of three. Per input it prints one Markdown row:

  - encode: `tok count` (read, encode, count), the encoding cost analysis stands on;
  - analyze: `tok analyze --zstd-levels ''` (every statistic but the zstd baselines);
  - beyond encoding: bytes / (analyze − encode), the analysis's own throughput;
  - zstd 3 / zstd 3,19: the same with the compression baselines (19 only with --with-19: it
    runs at zstd's own speed, about 1 MB/s);
  - tokenization-scorer: its five metrics (renyi 2.5, renyi_entropy, shannon_entropy,
    shannon_efficiency, perc_freq) on the same token stream (Tok's ids, one line per text),
    timed without reading the ids; Tok computes those and more in the analyze column.
"""
import argparse, os, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
TOK = os.path.join(HERE, "..", ".build", "release", "tok")
CORPUS = os.path.join(HERE, "..", "..", "shared", "corpus")


def timed(cmd):
    s = time.perf_counter()
    subprocess.run(["taskset", "-c", "0", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - s


def best(cmd, n=3):
    return min(timed(cmd) for _ in range(n))


def best_alternating(cmds, n):
    """The best of n runs of each command, the commands taking turns, so that a slow spell of the
    machine falls on all of them alike (a difference of two timings made minutes apart moved by
    half between runs)."""
    t = [1e9] * len(cmds)
    for _ in range(n):
        for i, c in enumerate(cmds):
            t[i] = min(t[i], timed(c))
    return t


def size(paths):
    total = 0
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in os.walk(p):
                total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
        else:
            total += os.path.getsize(p)
    return total


def scorer_time(vocab, paths):
    """tokenization-scorer on Tok's ids of each file (one line of space-separated ids per file)."""
    try:
        import tokenization_scorer
    except ImportError:
        return None
    files = []
    for p in paths:
        if os.path.isdir(p):
            for root, _, fs in os.walk(p):
                files += [os.path.join(root, f) for f in sorted(fs)]
        else:
            files.append(p)
    lines = []
    for f in files:
        out = subprocess.run([TOK, "encode", "--vocab", vocab, "--special-as-text", f], capture_output=True, check=True).stdout
        lines.append(out.decode().strip())
    text = "\n".join(lines)
    s = time.perf_counter()
    tokenization_scorer.score(text, metric="renyi", power=2.5)
    tokenization_scorer.score(text, metric="renyi_entropy", power=2.5)
    tokenization_scorer.score(text, metric="shannon_entropy")
    tokenization_scorer.score(text, metric="shannon_efficiency")
    tokenization_scorer.score(text, metric="perc_freq")
    return time.perf_counter() - s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", default="o200k_base")
    ap.add_argument("--with-19", action="store_true", help="also time the default zstd levels 3,19")
    ap.add_argument("--runs", type=int, default=7, help="runs of encode and analyze, taking turns (best of each)")
    a = ap.parse_args()
    english = os.path.join(tempfile.gettempdir(), "analyze_bench_english16.txt")
    with open(os.path.join(CORPUS, "english", "english_prose_gutenberg.txt"), "rb") as f:
        open(english, "wb").write(f.read(16_000_000))
    code = [os.path.join(CORPUS, "code", f) for f in sorted(os.listdir(os.path.join(CORPUS, "code")))
            if f.endswith(".txt") and not f.endswith(".files.txt")]
    udhr_dir = os.path.join(CORPUS, "udhr")
    udhr = [os.path.join(udhr_dir, f) for f in sorted(os.listdir(udhr_dir)) if f.endswith(".txt")]
    inputs = [("English prose", [english]), ("code", code), (f"UDHR ({len(udhr)} files)", udhr)]
    cols = ["input", "MB", "encode", "analyze", "beyond encoding", "zstd 3"] + (["zstd 3,19"] if a.with_19 else []) + \
           ["tokenization-scorer (5 metrics)"]
    print(f"`{a.vocab}`, one core, MB/s of input:\n")
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for name, paths in inputs:
        mb = size(paths) / 1e6
        v = ["--vocab", a.vocab]
        t_enc, t_an = best_alternating([[TOK, "count", *v, *paths],
                                        [TOK, "analyze", *v, "--group-by", "total", "--zstd-levels", "", *paths]], a.runs)
        t_z3 = best([TOK, "analyze", *v, "--group-by", "total", "--zstd-levels", "3", *paths])
        row = [name, f"{mb:.1f}", f"{mb / t_enc:.1f}", f"{mb / t_an:.1f}",
               f"{mb / (t_an - t_enc):.1f}" if t_an > t_enc else "n/a", f"{mb / t_z3:.1f}"]
        if a.with_19:
            row.append(f"{mb / best([TOK, 'analyze', *v, '--group-by', 'total', *paths], 1):.2f}")
        ts = scorer_time(a.vocab, paths)
        row.append(f"{mb / ts:.1f}" if ts else "not installed")
        print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    sys.exit(main())

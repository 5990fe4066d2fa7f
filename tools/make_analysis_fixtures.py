#!/usr/bin/env python3
"""Make Tests/Fixtures/tokenization_scorer.jsonl: tokenization-scorer's metrics on token streams.

  pip install tokenization-scorer==1.1.8
  python3 tools/make_analysis_fixtures.py

Each line: {"name", "lines": [[id, …], …], "metrics": {metric: value}} where the token streams
come from the tiktoken fixtures (texts encoded with cl100k_base and o200k_base, one stream per
text, several texts as lines) plus hand cases; the scorer reads each id as a word.
"""
import json, os, random
import tokenization_scorer

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "Tests", "Fixtures")

def metrics(lines):
    text = "\n".join(" ".join(str(i) for i in l) for l in lines)
    out = {}
    for alpha in (2.5, 3.0):
        out[f"renyi_efficiency_{alpha}"] = tokenization_scorer.score(text, metric="renyi", power=alpha)
        out[f"renyi_entropy_{alpha}"] = tokenization_scorer.score(text, metric="renyi_entropy", power=alpha)
    out["renyi_efficiency_vocab_2.5"] = tokenization_scorer.score(text, metric="renyi", power=2.5, vocab=100277)
    out["shannon_entropy"] = tokenization_scorer.score(text, metric="shannon_entropy")
    out["shannon_efficiency"] = tokenization_scorer.score(text, metric="shannon_efficiency")
    out["bits"] = tokenization_scorer.score(text, metric="bits")
    out["perc_freq"] = tokenization_scorer.score(text, metric="perc_freq")
    return {k: float(v) for k, v in out.items()}

def main():
    cases = [("a a b c", [[1, 1, 2, 3]]), ("two types", [[5, 6, 5, 6, 5]]), ("skewed", [[9] * 50 + [1, 2, 3, 4, 5]])]
    for name in ("cl100k_base", "o200k_base"):
        rows = [json.loads(l) for l in open(os.path.join(FIX, f"tiktoken_{name}.jsonl"), encoding="utf-8")]
        rng = random.Random(5)
        for k in range(6):
            pick = rng.sample(rows[:506], 8)
            cases.append((f"{name} sample {k}", [r["ids"] for r in pick if r["ids"]]))
    with open(os.path.join(FIX, "tokenization_scorer.jsonl"), "w") as f:
        for name, lines in cases:
            f.write(json.dumps({"name": name, "lines": lines, "metrics": metrics(lines)}) + "\n")
    print(f"wrote {len(cases)} cases")

if __name__ == "__main__":
    main()

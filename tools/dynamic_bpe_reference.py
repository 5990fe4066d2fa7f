#!/usr/bin/env python3
"""Check `tok merge` against the reference dynamic BPE loop, on UDHR and English batches.

  swift build -c release && python3 tools/dynamic_bpe_reference.py [--vocab cl100k_base|llama3]
      [--merges 10,100,1000] [--boundary pretokens|word|word_hyphen|sentence] [--languages 40]

The reference is `tokenizations/dynamic_bpe.py` of DariusFeher/dynamic-tokenization. Its loop is
re-stated here (Python, recounting every step, no incremental tricks) with the same rules:
  - count every adjacent valid pair of the batch (Counter, so ties go to the first occurrence);
  - merge the most frequent pair left to right without overlap; stop at the budget or when no
    valid pair is left;
  - `is_valid_pair`: no space/tab/newline after the first byte unless all of them are, never
    exactly two newlines; then the boundary: pretokens (the base split regex yields one piece),
    word (WhitespaceSplit yields one piece, no special token), word_hyphen (as word, and a
    punctuation token after a non-punctuation unit only if it is "-"), sentence (no special token);
    bytes that are not valid UTF-8 are always valid.
Tokens are identified by their bytes, as the reference identifies them by their strings. Both
sides start from Tok's base ids (checked against tiktoken elsewhere), so this compares the merging.
Prints, per budget, how many batches have identical merges and units. Needs `regex` (PyPI).
"""
import argparse, base64, json, os, subprocess, sys, tempfile
from collections import Counter

import regex

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared")
SPACELIKE = {0x09, 0x20, 0x0A}


def load_ranks(path):
    ranks = {}
    for line in open(path, "rb"):
        if line.strip():
            t, r = line.split()
            ranks[int(r)] = base64.b64decode(t)
    return ranks


def bytes_to_unicode():
    """GPT-2's byte -> printable character map (the spelling the reference's tokens use)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


class Reference:
    def __init__(self, id_bytes, pattern, specials, boundary):
        self.id_bytes, self.pat, self.specials, self.boundary = id_bytes, regex.compile(pattern), specials, boundary
        self.cache = {}
        # word_hyphen: vocabulary tokens (GPT-2 spelling) with a punctuation character and no digit.
        b2u = bytes_to_unicode()
        marks = set(""".,!?;:()-"'\\/`$%&*+<=>@[]^_{|}~""")
        self.punct = set()
        if boundary == "word_hyphen":
            for i, b in id_bytes.items():
                if b in specials:
                    continue
                spelled = "".join(b2u[x] for x in b)
                if any(c in marks for c in spelled) and not any(c.isdigit() for c in spelled):
                    self.punct.add(b)

    def valid(self, a, b):
        key = (a, b)
        if key in self.cache:
            return self.cache[key]
        s = a + b
        if any(c in SPACELIKE for c in s[1:]) and (s == b"\n\n" or not all(c in SPACELIKE for c in s)):
            v = False
        elif self.boundary == "sentence":
            v = a not in self.specials and b not in self.specials
        else:
            try:
                text = s.decode("utf-8")
            except UnicodeDecodeError:
                v = True
            else:
                if self.boundary == "pretokens":
                    v = len(self.pat.findall(text)) == 1
                else:
                    v = len(text.split()) == 1 and a not in self.specials and b not in self.specials
                    if v and self.boundary == "word_hyphen" and a not in self.punct and b in self.punct:
                        v = b == b"-"
        self.cache[key] = v
        return v

    def run(self, batch_ids, max_merges):
        seqs = [[(self.id_bytes[i], k, k + 1) for k, i in enumerate(ids)] for ids in batch_ids]
        merges = []
        while len(merges) < max_merges:
            counts = Counter()
            for seq in seqs:
                counts.update((x[0], y[0]) for x, y in zip(seq, seq[1:]) if self.valid(x[0], y[0]))
            if not counts:
                break
            best = max(counts, key=counts.get)
            n = 0
            for j, seq in enumerate(seqs):
                out, i = [], 0
                while i < len(seq):
                    if i < len(seq) - 1 and seq[i][0] == best[0] and seq[i + 1][0] == best[1]:
                        out.append((best[0] + best[1], seq[i][1], seq[i + 1][2]))
                        i += 2
                        n += 1
                    else:
                        out.append(seq[i])
                        i += 1
                seqs[j] = out
            merges.append((best[0], best[1], n))
        return merges, [[[u[1], u[2]] for u in seq] for seq in seqs]


def batches(languages):
    rows = {}
    for line in open(os.path.join(SHARED, "corpus", "udhr", "udhr_aligned_articles.tsv"), encoding="utf-8").read().split("\n")[1:]:
        f = line.split("\t")
        if len(f) == 5:
            rows.setdefault(f[1], []).append(f[4])
    out = [(lang, arts[:32]) for lang, arts in sorted(rows.items())[:languages]]
    eng = open(os.path.join(SHARED, "corpus", "english", "english_prose_gutenberg.txt"), encoding="utf-8").read(400_000)
    paras = [p for p in eng.split("\n\n") if len(p) > 200][:96]
    out += [(f"english/{k}", paras[k:k + 32]) for k in range(0, 96, 32)]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tok", default=os.path.join(HERE, "..", ".build", "release", "tok"))
    ap.add_argument("--vocab", default="cl100k_base")
    ap.add_argument("--merges", default="10,100,1000")
    ap.add_argument("--boundary", default="pretokens")
    ap.add_argument("--languages", type=int, default=40)
    a = ap.parse_args()
    enc = json.load(open(os.path.join(SHARED, "vocab", "encodings.json")))[a.vocab]
    id_bytes = load_ranks(os.path.join(SHARED, "vocab", enc["file"]))
    specials = {k.encode(): v for k, v in enc.get("special_tokens", {}).items()}
    for t, i in specials.items():
        id_bytes[i] = t
    tok_vocab = [a.vocab] if a.vocab in ("cl100k_base", "o200k_base", "r50k_base") else \
        [os.path.join(SHARED, "vocab", enc["file"]), "--pattern", a.vocab]
    ref = Reference(id_bytes, enc["pat_str"], set(specials), a.boundary)
    bad = 0
    for budget in [int(x) for x in a.merges.split(",")]:
        same = total = 0
        for name, texts in batches(a.languages):
            with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
                for t in texts:
                    f.write(json.dumps(t, ensure_ascii=False) + "\n")
            out = subprocess.run([a.tok, "merge", "--vocab", *tok_vocab, "--merges", str(budget), "--batch", "32",
                                  "--boundary", a.boundary, "--input", "jsonl", "--show-merges", f.name],
                                 capture_output=True, check=True).stdout.decode().split("\n")
            recs = [json.loads(l) for l in out if l]
            tok_merges = recs[0]["merges"]
            ids = [r["ids"] for r in recs[1:]]
            spans = [r["spans"] for r in recs[1:]]
            r_merges, r_spans = ref.run(ids, budget)
            r_merges_s = [[m[0].decode("utf-8", "replace"), m[1].decode("utf-8", "replace"), m[2]] for m in r_merges]
            ok = r_spans == spans and r_merges_s == tok_merges
            total += 1
            same += ok
            if not ok and bad < 5:
                bad += 1
                k = next((i for i, (x, y) in enumerate(zip(r_merges_s, tok_merges)) if x != y), None)
                print(f"  {name} budget {budget}: first differing merge {k}: ref {r_merges_s[k] if k is not None else None} "
                      f"tok {tok_merges[k] if k is not None else None} ({len(r_merges_s)} vs {len(tok_merges)} merges)")
        print(f"{a.vocab} {a.boundary} {budget} merges: {same}/{total} batches identical (merges and units)")
        if same != total:
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Make the repo's fixtures for word segmentation (the HAT rule and Unicode word boundaries).

  pip install hat-splitter==0.1.10
  python3 tools/make_segment_fixtures.py                 # writes the fixtures below
  python3 tools/make_segment_fixtures.py --fuzz 100000   # development: compare `tok split` on random strings

Tests/Fixtures/hat_splitter.jsonl — {"text", "words", "words_4", "words_16"} per line from the
  reference hat-splitter: `split(text)` and base64 of `split_with_limit(text, 4 / 16)`. Inputs: the
  conformance inputs (../shared/conformance/inputs.jsonl, cut to 600 characters) and seeded
  random strings over an alphabet with a character of every Word_Break value, letters of every
  case, punctuation, every kind of white space, emoji sequences and regional indicators.

Tests/Fixtures/WordBreakTest.txt — Unicode's own word-boundary test cases (comments stripped).
  The reference's crates are Unicode 16.0; the newest copy in Debian (package unicode-data) is
  15.0.0. The word-boundary rules are the same in both versions, so the 15.0 cases test the 16.0
  algorithm as long as every character they use has the same properties in both: this script
  checks that against 15.0's WordBreakProperty.txt and emoji-data.txt and our 16.0 tables
  (CKernels/segment_tables.c via tools/gen_segment_tables.py), and refuses to write otherwise.

Tests/Fixtures/GraphemeBreakTest.txt — grapheme cluster test cases for the grapheme tokenizer,
  which uses ICU's character breaks (Debian's ICU 72 is Unicode 15.0, the version of this file).
"""
import argparse, base64, json, os, random, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
SHARED = os.path.join(ROOT, "..", "shared")

ALPHABET = list("aAbBzZ éÉǅʰ1٣½'\".,:;-_()!?¿@#/=+*\\ \t\n\r\x0b\x0c\x85\u2028\u00a0\u3000\u2003\u202f\u200b") + [
    "\u200d", "\u200c", "\u00ad", "\u0301", "\u0308", "\u0903", "\u05d0", "\u05d1", "\u05f3", "\u30a2", "\u30fc",
    "\u3042", "\u4e00", "\ud55c", "\u0e01", "\u0e31", "\U0001F1E6", "\U0001F1E7", "\U0001F1E8", "\U0001F600",
    "\U0001F468", "\u2640", "\ufe0f", "\u2764", "\u00b7", "\u066b", "\u066c", "\u060c", "\u2018", "\u2019",
    "\u201c", "\u201d", "\u3002", "\uff0c", "\u180e", "\u2060", "\ufeff", "\u1c89", "\ua7ce", "\U0001F3FB",
    "\u2024", "\ufe52", "\uff07", "\u037e", "\u0589", "\u00b4", "\u02bc", "\u0027\u0073", "camel", "Case", "HTTP"]


def random_texts(n, seed):
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.choice([1, 2, 3, 5, 8, 13, 21, 40])))
            for _ in range(n)]


def conformance_texts():
    out = []
    for line in open(os.path.join(SHARED, "conformance", "inputs.jsonl"), encoding="utf-8"):
        out.append(json.loads(line)["text"][:600])
    return out


def b64(words):
    return [base64.b64encode(bytes(w)).decode() for w in words]


def write_hat(out_dir):
    from hat_splitter import HATSplitter
    h = HATSplitter()
    texts = conformance_texts() + random_texts(1500, seed=29)
    with open(os.path.join(out_dir, "hat_splitter.jsonl"), "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"text": t, "words": h.split(t), "words_4": b64(h.split_with_limit(t, 4)),
                                "words_16": b64(h.split_with_limit(t, 16))}, ensure_ascii=False)
                    # Foundation's JSON parser drops a raw U+FEFF at the start of a string; escaped, it is kept.
                    .replace("\ufeff", "\\ufeff") + "\n")
    print(f"wrote hat_splitter.jsonl: {len(texts)} texts")


def unicode_data_dir():
    """Unicode 15.0 data files from Debian's unicode-data package (downloaded, not installed)."""
    cache = os.path.join(tempfile.gettempdir(), "tok-unicode-data")
    aux = os.path.join(cache, "usr", "share", "unicode", "auxiliary")
    if not os.path.exists(os.path.join(aux, "WordBreakTest.txt")):
        os.makedirs(cache, exist_ok=True)
        subprocess.run(["apt-get", "download", "unicode-data"], cwd=cache, check=True)
        deb = [f for f in os.listdir(cache) if f.startswith("unicode-data_") and f.endswith(".deb")][0]
        subprocess.run(["dpkg", "-x", deb, cache], cwd=cache, check=True)
    return os.path.join(cache, "usr", "share", "unicode")


def parse_ranges(path, prop=None):
    out = {}
    for line in open(path, encoding="utf-8"):
        line = line.split("#")[0].strip()
        if not line:
            continue
        rng, val = [x.strip() for x in line.split(";")[:2]]
        if prop and val != prop:
            continue
        lo, _, hi = rng.partition("..")
        for cp in range(int(lo, 16), int(hi or lo, 16) + 1):
            out[cp] = val
    return out


def write_unicode_tests(out_dir):
    sys.path.insert(0, HERE)
    import gen_segment_tables as g   # needs uniseg/unicodedata2 16.0 on the path (see that script)
    ud = unicode_data_dir()
    wb15 = parse_ranges(os.path.join(ud, "auxiliary", "WordBreakProperty.txt"))
    ep15 = parse_ranges(os.path.join(ud, "emoji", "emoji-data.txt"), "Extended_Pictographic")
    names = {"ALETTER": "ALetter", "HEBREW_LETTER": "Hebrew_Letter", "SINGLE_QUOTE": "Single_Quote",
             "DOUBLE_QUOTE": "Double_Quote", "MIDNUMLET": "MidNumLet", "MIDLETTER": "MidLetter",
             "MIDNUM": "MidNum", "NUMERIC": "Numeric", "EXTENDNUMLET": "ExtendNumLet",
             "WSEGSPACE": "WSegSpace", "REGIONAL_INDICATOR": "Regional_Indicator", "EXTEND": "Extend",
             "FORMAT": "Format", "KATAKANA": "Katakana", "NEWLINE": "Newline", "ZWJ": "ZWJ", "CR": "CR",
             "LF": "LF", "OTHER": "Other"}
    cases, changed = [], []
    for line in open(os.path.join(ud, "auxiliary", "WordBreakTest.txt"), encoding="utf-8"):
        body = line.split("#")[0].strip()
        if not body:
            continue
        cases.append(body)
        for cp in (int(x, 16) for x in re.findall(r"[0-9A-F]{4,6}", body)):
            v = g.props(cp)
            wb16 = names[g.WB_NAMES[v & 0x1F]]
            if wb15.get(cp, "Other") != wb16 or (cp in ep15) != bool(v & g.EXT_PICT):
                changed.append(cp)
    if changed:
        sys.exit("characters whose word-break properties differ between 15.0 and 16.0: "
                 + " ".join(f"U+{c:04X}" for c in sorted(set(changed))))
    with open(os.path.join(out_dir, "WordBreakTest.txt"), "w", encoding="utf-8") as f:
        f.write("# Unicode 15.0.0 WordBreakTest.txt (Debian unicode-data), comments stripped;\n"
                "# every character used has the same properties in Unicode 16.0. Made by tools/make_segment_fixtures.py.\n")
        f.write("\n".join(cases) + "\n")
    print(f"wrote WordBreakTest.txt: {len(cases)} cases")
    gcases = [l.split("#")[0].strip() for l in open(os.path.join(ud, "auxiliary", "GraphemeBreakTest.txt"), encoding="utf-8")]
    gcases = [c for c in gcases if c]
    with open(os.path.join(out_dir, "GraphemeBreakTest.txt"), "w", encoding="utf-8") as f:
        f.write("# Unicode 15.0.0 GraphemeBreakTest.txt (Debian unicode-data), comments stripped.\n"
                "# Made by tools/make_segment_fixtures.py.\n")
        f.write("\n".join(gcases) + "\n")
    print(f"wrote GraphemeBreakTest.txt: {len(gcases)} cases")


def fuzz(n, tok):
    from hat_splitter import HATSplitter
    h = HATSplitter()
    rng = random.Random(4242)
    texts = random_texts(n, seed=99)
    # Some code points from anywhere in the Unicode range, too.
    texts += ["".join(chr(rng.choice([rng.randint(0x20, 0x3000), rng.randint(0x3000, 0x2FFFF)])) for _ in range(8))
              .encode("utf-8", "replace").decode("utf-8", "replace") for _ in range(n // 4)]
    bad = 0
    for limit in (None, 1, 3, 4, 16):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
            for t in texts:
                f.write(json.dumps(t, ensure_ascii=False) + "\n")
        args = [tok, "split", "--input", "jsonl", "--format", "jsonl", f.name]
        if limit:
            args[2:2] = ["--max-bytes", str(limit)]
        out = subprocess.run(args, capture_output=True, check=True).stdout.decode().split("\n")  # not splitlines: U+0085 and U+2028 are in the data
        diffs = 0
        for t, line in zip(texts, out):
            got = json.loads(line)
            got = [base64.b64decode(w) for w in got["words_base64"]] if "words_base64" in got else [w.encode() for w in got["words"]]
            want = [bytes(w) for w in h.split_with_limit(t, limit)] if limit else [w.encode() for w in h.split(t)]
            if got != want:
                diffs += 1
                if diffs <= 5:
                    print(f"  limit {limit}: {t!r}: ref {want} tok {got}")
        print(f"limit {limit}: {len(texts) - diffs}/{len(texts)} identical")
        bad += diffs
    sys.exit(1 if bad else 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fuzz", type=int, default=0)
    ap.add_argument("--tok", default=os.path.join(ROOT, ".build", "release", "tok"))
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures"))
    a = ap.parse_args()
    if a.fuzz:
        fuzz(a.fuzz, a.tok)
    os.makedirs(a.out, exist_ok=True)
    write_hat(a.out)
    write_unicode_tests(a.out)


if __name__ == "__main__":
    main()

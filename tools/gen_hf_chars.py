#!/usr/bin/env python3
"""Generate Sources/TokCore/Pipeline/HFChars.swift: the character classes and the lowercase
mapping that Hugging Face tokenizers' own components use, read off tokenizers itself.

tokenizers' BertPreTokenizer, Punctuation, Digits, WhitespaceSplit, StripAccents and
BertNormalizer test characters with Rust's standard library and the `unicode_categories` crate,
whose Unicode versions are not Swift's (U+2E4F, punctuation since Unicode 11, is not
punctuation there). Each class below is asked of the component itself, on "a" + c + "b" for
every code point c; the Lowercase normalizer gives the lowercase mapping.

  pip install --target /tmp/refdeps tokenizers==0.23.3
  PYTHONPATH=/tmp/refdeps python3 tools/gen_hf_chars.py
"""
import os, sys

from tokenizers import __version__ as tk_version
from tokenizers import pre_tokenizers, normalizers

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from table_gen import swift_array  # noqa: E402
OUT = os.path.join(HERE, "..", "Sources", "TokCore", "Pipeline", "HFChars.swift")
CPS = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]

FLAGS = [("bertPunctuation", "BertPreTokenizer isolates it"),
         ("bertSpace", "BertPreTokenizer drops it"),
         ("punctuation", "the Punctuation pre-tokenizer isolates it"),
         ("numeric", "Digits (individual) isolates it"),
         ("splitSpace", "WhitespaceSplit drops it"),
         ("accent", "StripAccents removes it"),
         ("bertControl", "BertNormalizer's clean_text removes it"),
         ("bertCleanSpace", "BertNormalizer's clean_text makes it a space"),
         ("bertChinese", "BertNormalizer's handle_chinese_chars puts spaces around it"),
         ("bertAccent", "BertNormalizer's strip_accents removes it (after NFD; StripAccents removes more)")]

def groups(sep):
    """Text of "a" c "b" groups joined by sep (c == sep left out), and each c's offset."""
    parts, where, pos = [], {}, 0
    for c in CPS:
        if chr(c) == sep:
            continue
        parts.append("a" + chr(c) + "b" + sep)
        where[c] = pos + 1
        pos += 4
    return "".join(parts), where

def pre_classes(pre, sep):
    text, where = groups(sep)
    alone, covered = set(), bytearray(len(text) + 1)
    for _, (a, b) in pre.pre_tokenize_str(text):
        if b - a == 1:
            alone.add(a)
        covered[a:b] = b"\x01" * (b - a)
    isolated = {c for c, o in where.items() if o in alone}
    dropped = {c for c, o in where.items() if not covered[o]}
    return isolated, dropped

def norm_groups(norm, sep):
    text, where = groups(sep)
    out = norm.normalize_str(text).split(sep)
    res = {}
    for (c, _), g in zip(sorted(where.items(), key=lambda kv: kv[1]), out):
        res[c] = g
    return res

def main():
    cls = {name: set() for name, _ in FLAGS}
    for sep in " ", "\u3000":   # each separator's own code point is read with the other
        p, s = pre_classes(pre_tokenizers.BertPreTokenizer(), sep)
        cls["bertPunctuation"] |= p; cls["bertSpace"] |= s
        p, _ = pre_classes(pre_tokenizers.Punctuation(), sep)
        cls["punctuation"] |= p
        p, _ = pre_classes(pre_tokenizers.Digits(individual_digits=True), sep)
        cls["numeric"] |= p
        _, s = pre_classes(pre_tokenizers.WhitespaceSplit(), sep)
        cls["splitSpace"] |= s
    for sep in "|", "#":
        g = norm_groups(normalizers.StripAccents(), sep)
        cls["accent"] |= {c for c, v in g.items() if v == "ab"}
        g = norm_groups(normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False,
                                                   lowercase=False), sep)
        cls["bertControl"] |= {c for c, v in g.items() if v == "ab"}
        cls["bertCleanSpace"] |= {c for c, v in g.items() if v == "a b"}
        g = norm_groups(normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=True, strip_accents=False,
                                                   lowercase=False), sep)
        cls["bertChinese"] |= {c for c, v in g.items() if v == "a " + chr(c) + " b"}
        g = norm_groups(normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True,
                                                   lowercase=False), sep)
        cls["bertAccent"] |= {c for c, v in g.items() if v == "ab"}
    bit = {name: 1 << k for k, (name, _) in enumerate(FLAGS)}
    flags = {}
    for name, members in cls.items():
        for c in members:
            flags[c] = flags.get(c, 0) | bit[name]
    starts, values, prev = [], [], None
    for c in range(0x110000):
        f = flags.get(c, 0)
        if f != prev:
            starts.append(c); values.append(f); prev = f
    # Lowercase: the mapping of every code point it changes.
    lower = normalizers.Lowercase()
    text = "\x00".join(chr(c) for c in CPS if c != 0)
    mapped = lower.normalize_str(text).split("\x00")
    low = [(c, m) for c, m in zip([c for c in CPS if c != 0], mapped) if m != chr(c)]
    with open(OUT, "w", encoding="utf-8") as f:
        w = f.write
        w(f"// Generated by tools/gen_hf_chars.py from tokenizers {tk_version}. Do not edit: run the script again.\n\n")
        w("/// Character classes of Hugging Face tokenizers' own components (bits of `_hfCharRangeFlags`).\n")
        w("enum _HFChar {\n")
        for name, what in FLAGS:
            w(f"    /// {what[0].upper() + what[1:]}.\n    static let {name}: UInt16 = {bit[name]}\n")
        w("}\n\n")
        hexes = lambda xs: [f"0x{x:X}" for x in xs]
        swift_array(f, "_hfCharRangeStarts", "UInt32", hexes(starts), 10,
                    f"/// The first code point of each run of equal classes ({len(starts)} runs).\n")
        f.write("\n")
        swift_array(f, "_hfCharRangeFlags", "UInt16", [str(x) for x in values], 16, "/// The classes of each run.\n")
        f.write("\n")
        offs, targets = [0], []
        for _, m in low:
            targets += [ord(x) for x in m]
            offs.append(len(targets))
        swift_array(f, "_hfLowerSources", "UInt32", hexes(c for c, _ in low), 10,
                    f"/// The code points the Lowercase normalizer changes ({len(low)}), in order, and what each becomes\n"
                    "/// (`_hfLowerTargets[_hfLowerOffsets[k]..<_hfLowerOffsets[k + 1]]`).\n")
        f.write("\n")
        swift_array(f, "_hfLowerOffsets", "UInt32", [str(x) for x in offs], 16)
        f.write("\n")
        swift_array(f, "_hfLowerTargets", "UInt32", hexes(targets), 10)
    print(f"wrote {OUT}: {len(starts)} runs, {len(low)} lowercase mappings; " +
          ", ".join(f"{name} {len(cls[name])}" for name, _ in FLAGS))

main()

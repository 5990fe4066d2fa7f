internal import CTokKernels

/// A pre-tokenization pattern: the split regex of a tiktoken-style encoding, run by a scanner
/// written in C that selects exactly the pieces the regex does.
public enum SplitPattern: String, Sendable, CaseIterable, CustomStringConvertible {
    /// GPT-2 / r50k_base / p50k_base: `'s|'t|… ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s`.
    case r50k
    /// cl100k_base (GPT-3.5/4): case-insensitive contractions, up to 3 digits, CR/LF handling.
    case cl100k
    /// o200k_base (GPT-4o): case-class words with contractions attached, marks as letters.
    case o200k
    /// Llama 3: cl100k's shape without its `\s++$` alternative.
    case llama3
    /// Qwen 2, 2.5 and 3: cl100k's shape with single digits.
    case qwen2
    /// Qwen 3.5 and 3.6: single digits, marks count as letters.
    case qwen3_5
    /// SuperBPE's second stage (Tok's rule): digit runs cut in groups of three from the right,
    /// runs of two or more symbols, runs of two or more whitespace characters; the text between
    /// them is one piece, so tokens can span words.
    case superword
    /// Mistral's Tekken (v3 and later): o200k's shape without contractions, single digits.
    case tekken
    /// DeepSeek V4's pre-tokenization: its tokenizer.json's three Isolated Splits
    /// (``numberGroups``, ``cjkRuns``, ``deepseekWords``) composed into one scanner.
    case deepseek
    /// `\p{N}{1,3}` (DeepSeek's first Split): groups of up to three numbers from the left, and
    /// the text between them as pieces of its own.
    case numberGroups
    /// `[一-龥぀-ゟ゠-ヿ]+` (DeepSeek's second Split): runs of CJK ideographs U+4E00–U+9FA5 and kana
    /// U+3040–U+30FF, and the text between them.
    case cjkRuns
    /// DeepSeek's third Split: an ASCII punctuation character with the ASCII letters after it, a
    /// letter-and-mark run with an optional character before it that is not CR/LF, a letter,
    /// punctuation or symbol, a punctuation-and-symbol run with an optional space and trailing
    /// CR/LFs, and cl100k's whitespace rules; and the text between matches.
    case deepseekWords

    /// Looks a pattern up by its name or an encoding that uses it (`gpt2`, `cl100k_base`,
    /// `o200k_harmony`, `qwen3`, `qwen3.6`, …); nil when unknown.
    public init?(name: String) {
        switch name.lowercased() {
        case "r50k", "r50k_base", "gpt2", "p50k", "p50k_base", "p50k_edit": self = .r50k
        case "cl100k", "cl100k_base": self = .cl100k
        case "o200k", "o200k_base", "o200k_harmony": self = .o200k
        case "llama3", "llama-3", "llama3.1", "llama3.2": self = .llama3
        case "qwen2", "qwen2.5", "qwen3": self = .qwen2
        case "qwen3_5", "qwen3.5", "qwen3.6", "qwen3_6": self = .qwen3_5
        case "superword", "superbpe": self = .superword
        case "tekken", "mistral-tekken": self = .tekken
        case "deepseek", "deepseek-v4", "deepseek_v4": self = .deepseek
        case "numbergroups", "number-groups": self = .numberGroups
        case "cjkruns", "cjk-runs": self = .cjkRuns
        case "deepseekwords", "deepseek-words": self = .deepseekWords
        default: return nil
        }
    }

    /// The regex this pattern implements, as tiktoken (or the model's tokenizer) writes it. For
    /// ``deepseek``, which is three regexes applied one after another, the three, one per line.
    public var regex: String {
        switch self {
        case .deepseek:
            return [SplitPattern.numberGroups, .cjkRuns, .deepseekWords].map(\.regex).joined(separator: "\n")
        case .numberGroups:
            return #"\p{N}{1,3}"#
        case .cjkRuns:
            return "[\u{4E00}-\u{9FA5}\u{3040}-\u{309F}\u{30A0}-\u{30FF}]+"
        case .deepseekWords:
            return ##"[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"##
        case .r50k:
            return #"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"#
        case .cl100k:
            return #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"#
        case .o200k:
            return #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .llama3:
            return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .qwen2:
            return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .qwen3_5:
            return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .superword:
            // Isolated matches (a tokenizer.json Split with behavior Isolated); the rest between.
            return #"\p{N}{1,3}(?=(?:\p{N}{3})*(?!\p{N}))|[^\s\p{L}\p{N}\p{M}]{2,}|\s{2,}"#
        case .tekken:
            return #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        }
    }

    /// The regex written so that Oniguruma (the engine of Hugging Face `tokenizers`, Ruby syntax)
    /// matches what this pattern's scanner does. tiktoken's cl100k string has `\p{N}{1,3}+`, a
    /// possessive interval in Rust's fancy-regex but "one or more runs of 1–3 digits" (any number
    /// of digits) in Oniguruma; here the interval is plain, which both engines read alike.
    package var onigurumaRegex: String { regex.replacingOccurrences(of: "{1,3}+", with: "{1,3}") }

    /// Other spellings of the same pattern in tokenizer.json files, which the scanner also runs:
    /// GPT-2's regex as Hugging Face writes it (the ByteLevel pre-tokenizer's own) matches what
    /// tiktoken's r50k regex matches (contractions spelled out, greedy runs where nothing
    /// follows, and `\s+` where a lone space is all that can be left).
    package var onigurumaAliases: [String] {
        self == .r50k ? [#"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#] : []
    }

    /// The pattern's name.
    public var description: String { rawValue }

    /// Whether the scanner's pieces tile the text, every piece a match of the regex (false for
    /// the searched DeepSeek Splits, whose text between matches is no match; superword's pieces
    /// tile the text but include the text between its matches).
    package var tilesText: Bool {
        switch self {
        case .numberGroups, .cjkRuns, .deepseekWords: false
        default: true
        }
    }

    /// Appends the pieces of bytes[range] (absolute ranges that tile it).
    package func appendPieces(of bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, to out: inout [Range<Int>]) {
        guard let base = bytes.baseAddress, !range.isEmpty else { return }
        let id = kernelID, n = range.count, start = base + range.lowerBound
        var i = 0
        while i < n {
            let e = tok_pretok_next(id, start, n, i)
            out.append((range.lowerBound + i)..<(range.lowerBound + e))
            i = e
        }
    }

    package var kernelID: Int32 {
        switch self {
        case .r50k: 1
        case .cl100k: 2
        case .o200k: 3
        case .qwen2: 4
        case .qwen3_5: 5
        case .llama3: 6
        case .superword: 7
        case .tekken: 8
        case .deepseek: 9
        case .numberGroups: 10
        case .cjkRuns: 11
        case .deepseekWords: 12
        }
    }
}

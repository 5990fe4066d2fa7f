/// The statistics of one tokenizer over one group of texts. Values that are undefined for the
/// input (no tokens, a single type) are nil, `null` in JSON.
///
/// JSON keys are snake_case (`bytes_per_token`, `renyi_efficiency`, …). `renyi_efficiency` and
/// `shannon_efficiency` divide by log₂ of the types observed, as `tokenization-scorer` does by
/// default; `renyi_efficiency_vocab` divides by log₂ of the vocabulary size. `bits`, `seq_len`
/// and `perc_freq` are `tokenization-scorer`'s metrics with its sign convention (negated so that
/// higher is better); `seq_len` is per line. `conditional_entropy["k"]` is
/// H(Tᵢ | Tᵢ₋ₖ…Tᵢ₋₁) by the plug-in (maximum-likelihood) estimator: the entropy of the empirical
/// (k+1)-gram distribution minus that of its k-token context marginal (n-grams within each text). `zstd_bits_per_byte["3"]` is the raw text compressed with
/// zstd level 3, in bits per input byte; `zstd_token_stream_bits_per_byte` the same for the ids as
/// little-endian u32; `token_bits_per_byte` is tokens × log₂|V| / bytes.
public struct AnalysisReport: Sendable, Equatable, Codable {
    /// The tokenizer's name.
    public var tokenizer: String
    /// Its vocabulary size |V| (ids, special tokens included).
    public var vocabularySize: Int
    /// Tokens produced.
    public var tokens: Int
    /// Input bytes.
    public var bytes: Int
    /// Input characters (Unicode scalars; an ill-formed UTF-8 unit counts as one).
    public var chars: Int
    /// UAX #29 words (ICU: segments with letters, numbers, kana or ideographs).
    public var words: Int
    /// Whitespace-separated words.
    public var whitespaceWords: Int
    /// Lines (a final line without a line feed counts).
    public var lines: Int
    /// Distinct token ids used.
    public var types: Int
    /// bytes / tokens.
    public var bytesPerToken: Double?
    /// chars / tokens.
    public var charsPerToken: Double?
    /// tokens / UAX #29 words (fertility).
    public var tokensPerWord: Double?
    /// tokens / whitespace-separated words.
    public var tokensPerWhitespaceWord: Double?
    /// tokens / lines.
    public var tokensPerLine: Double?
    /// The share of UAX #29 words with a token starting inside them (split into 2+ tokens).
    public var splitWordRatio: Double?
    /// Shannon entropy of the token unigram distribution, in bits.
    public var shannonEntropy: Double?
    /// Shannon entropy / log₂(types).
    public var shannonEfficiency: Double?
    /// The Rényi order α used.
    public var renyiAlpha: Double
    /// Rényi entropy of order α, in bits.
    public var renyiEntropy: Double?
    /// Rényi entropy / log₂(types).
    public var renyiEfficiency: Double?
    /// Rényi entropy / log₂(vocabularySize).
    public var renyiEfficiencyVocab: Double?
    /// types / vocabularySize.
    public var vocabUtilization: Double?
    /// tokenization-scorer's `bits`: −tokens × log₂(types).
    public var bits: Double?
    /// tokenization-scorer's `seq_len` per line: −tokens / lines.
    public var seqLen: Double?
    /// tokenization-scorer's `perc_freq`: the mass of the types between the 3% and 83% frequency quantiles.
    public var percFreq: Double?
    /// H(Tᵢ | Tᵢ₋ₖ…Tᵢ₋₁) by k ("1", "2", "3"), plug-in estimate, in bits.
    public var conditionalEntropy: [String: Double?]
    /// zstd-compressed size of the text (each text its own frame) × 8 / bytes, by level.
    public var zstdBitsPerByte: [String: Double?]
    /// zstd-compressed size of the ids as little-endian u32 × 8 / bytes, by level.
    public var zstdTokenStreamBitsPerByte: [String: Double?]
    /// tokens × log₂(vocabularySize) / bytes.
    public var tokenBitsPerByte: Double?
    /// Vocabulary use: the share of all tokens covered by the k most frequent types, for
    /// k = 1, 2, 4, … and the number of types (JSON: `coverage_curve`, pairs [k, share]).
    public var coverageCurve: [CoveragePoint] = []

    /// A point of ``coverageCurve``.
    public struct CoveragePoint: Sendable, Equatable, Codable {
        /// k, the number of most frequent types.
        public var types: Int
        /// The share of all tokens they cover.
        public var share: Double
    }

    enum CodingKeys: String, CodingKey {
        case tokenizer, tokens, bytes, chars, words, lines, types, bits
        case vocabularySize = "vocabulary_size", whitespaceWords = "whitespace_words"
        case bytesPerToken = "bytes_per_token", charsPerToken = "chars_per_token"
        case tokensPerWord = "tokens_per_word", tokensPerWhitespaceWord = "tokens_per_whitespace_word"
        case tokensPerLine = "tokens_per_line", splitWordRatio = "split_word_ratio"
        case shannonEntropy = "shannon_entropy", shannonEfficiency = "shannon_efficiency"
        case renyiAlpha = "renyi_alpha", renyiEntropy = "renyi_entropy", renyiEfficiency = "renyi_efficiency"
        case renyiEfficiencyVocab = "renyi_efficiency_vocab", vocabUtilization = "vocab_utilization"
        case seqLen = "seq_len", percFreq = "perc_freq", conditionalEntropy = "conditional_entropy"
        case zstdBitsPerByte = "zstd_bits_per_byte", zstdTokenStreamBitsPerByte = "zstd_token_stream_bits_per_byte"
        case tokenBitsPerByte = "token_bits_per_byte", coverageCurve = "coverage_curve"
    }

    /// Encodes with snake_case keys; undefined values as `null`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tokenizer, forKey: .tokenizer)
        try c.encode(vocabularySize, forKey: .vocabularySize)
        for (k, v) in [(CodingKeys.tokens, tokens), (.bytes, bytes), (.chars, chars), (.words, words),
                       (.whitespaceWords, whitespaceWords), (.lines, lines), (.types, types)] {
            try c.encode(v, forKey: k)
        }
        let optionals: [(CodingKeys, Double?)] = [
            (.bytesPerToken, bytesPerToken), (.charsPerToken, charsPerToken), (.tokensPerWord, tokensPerWord),
            (.tokensPerWhitespaceWord, tokensPerWhitespaceWord), (.tokensPerLine, tokensPerLine),
            (.splitWordRatio, splitWordRatio), (.shannonEntropy, shannonEntropy), (.shannonEfficiency, shannonEfficiency),
            (.renyiEntropy, renyiEntropy), (.renyiEfficiency, renyiEfficiency), (.renyiEfficiencyVocab, renyiEfficiencyVocab),
            (.vocabUtilization, vocabUtilization), (.bits, bits), (.seqLen, seqLen), (.percFreq, percFreq),
            (.tokenBitsPerByte, tokenBitsPerByte),
        ]
        for (k, v) in optionals {
            if let v { try c.encode(v, forKey: k) } else { try c.encodeNil(forKey: k) }
        }
        try c.encode(renyiAlpha, forKey: .renyiAlpha)
        try c.encode(conditionalEntropy, forKey: .conditionalEntropy)
        try c.encode(zstdBitsPerByte, forKey: .zstdBitsPerByte)
        try c.encode(zstdTokenStreamBitsPerByte, forKey: .zstdTokenStreamBitsPerByte)
        try c.encode(coverageCurve.map { [Double($0.types), $0.share] }, forKey: .coverageCurve)
    }
}

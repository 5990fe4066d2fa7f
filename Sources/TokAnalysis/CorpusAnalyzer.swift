internal import CTokKernels
import Foundation
import TokCore

/// What ``CorpusAnalyzer`` measures beyond the token counts.
public struct AnalysisOptions: Sendable, Equatable {
    /// The Rényi order α (Zouhar et al. recommend 2.5).
    public var alpha: Double = 2.5
    /// zstd levels for the compression baselines.
    public var zstdLevels: [Int] = [3, 19]
    /// Conditional entropies H(Tᵢ | Tᵢ₋ₖ…Tᵢ₋₁) for k = 1…maxContext.
    public var maxContext: Int = 3
    /// Creates options with the defaults.
    public init() {}
}

/// The statistics of a text that do not depend on the tokenizer, measured once and given to every
/// analyzer of the text (``CorpusAnalyzer/add(_:measures:)``): its words (UAX #29 word segments
/// by ICU), characters, lines, whitespace-separated words and zstd sizes. With several tokenizers
/// the text is segmented and compressed once instead of once per tokenizer.
///
/// ```swift
/// let m = TextMeasures(text, zstdLevels: [3])
/// for i in analyzers.indices { analyzers[i].add(text, measures: m) }
/// ```
public struct TextMeasures: Sendable {
    /// zstd frame sizes of the text, by level.
    public let zstdSizes: [Int: Int]
    /// Words: UAX #29 word segments with letters, numbers, kana or ideographs (ICU's rule status).
    public let words: Int
    /// Characters (each ill-formed UTF-8 unit counts as one).
    public let chars: Int
    /// Lines: line feeds, plus one when the text does not end with one.
    public let lines: Int
    /// Runs of bytes other than space and `\t\n\v\f\r`.
    public let whitespaceWords: Int
    /// The words' (start, end) byte offsets, two entries a word.
    let wordBounds: WordBounds

    /// Measures a text, compressing it at `zstdLevels`.
    public init(_ text: [UInt8], zstdLevels: [Int]) {
        self.init(text, zstdLevels: zstdLevels, wordBounds: icuWordBounds(text))
    }

    /// Measures a text whose ICU words are known: (start, end) byte offsets, two entries a word.
    init(_ text: [UInt8], zstdLevels: [Int], wordBounds: WordBounds) {
        zstdSizes = CorpusAnalyzer.zstdSizes(text, levels: zstdLevels)
        var c: UInt64 = 0, nl: UInt64 = 0, ws: UInt64 = 0
        text.withUnsafeBufferPointer { tok_text_stats($0.baseAddress, $0.count, &c, &nl, &ws) }
        chars = Int(c)
        whitespaceWords = Int(ws)
        lines = text.isEmpty ? 0 : Int(nl) + (text.last == 0x0A ? 0 : 1)
        words = wordBounds.count / 2
        self.wordBounds = wordBounds
    }
}

/// Accumulates statistics of one tokenizer over a stream of texts, keeping memory proportional
/// to the number of distinct n-grams, not to the corpus. Call ``add(_:)`` per text (a file, a
/// line, a record: n-grams never cross texts), then ``report()``.
///
/// ```swift
/// var a = CorpusAnalyzer(tokenizer: try Tokenizer(named: "cl100k_base"))
/// a.add(Array("The quick brown fox.".utf8))
/// print(a.report().bytesPerToken!)
/// ```
public struct CorpusAnalyzer: Sendable {
    /// The tokenizer analysed.
    public let tokenizer: Tokenizer
    /// What is measured (Rényi α, zstd levels, context lengths).
    public let options: AnalysisOptions

    var bytes = 0, chars = 0, tokens = 0, lines = 0, words = 0, whitespaceWords = 0, splitWords = 0
    var blocks: BlockCounts               // the 1- to (maxContext+1)-grams
    var zstdText: [Int: Int] = [:], zstdTokens: [Int: Int] = [:]

    /// An analyzer for one tokenizer.
    public init(tokenizer: Tokenizer, options: AnalysisOptions = AnalysisOptions()) {
        self.tokenizer = tokenizer
        self.options = options
        blocks = BlockCounts(idLimit: tokenizer.vocabularySize, maxOrder: Swift.min(3, Swift.max(0, options.maxContext)) + 1)
    }

    /// zstd sizes of a text at the given levels, each text its own frame (what ``add(_:textZstdSizes:)``
    /// takes, so that several analyzers of the same text compress it once).
    public static func zstdSizes(_ bytes: [UInt8], levels: [Int]) -> [Int: Int] {
        var out: [Int: Int] = [:]
        for l in levels {
            out[l] = Int(bytes.withUnsafeBufferPointer { tok_zstd_compressed_size($0.baseAddress, $0.count, Int32(l)) })
        }
        return out
    }

    /// Adds one text (any bytes). Special-token text counts as ordinary text. n-grams never cross
    /// texts, and each text is compressed as its own zstd frame (sizes add up over texts). To add
    /// one text to several analyzers, measure it once: ``add(_:measures:)``.
    public mutating func add(_ text: [UInt8]) {
        guard !text.isEmpty else { return }
        add(text, measures: TextMeasures(text, zstdLevels: options.zstdLevels))
    }

    /// Adds one text with its ``TextMeasures``: what does not depend on the tokenizer (words,
    /// characters, lines, the text's zstd sizes), measured once for every analyzer of the text.
    /// A zstd level the measures lack is compressed here.
    public mutating func add(_ text: [UInt8], measures: TextMeasures) {
        guard !text.isEmpty else { return }
        add(text, encoding: encoding(of: text), measures: measures)
    }

    /// A text's ids with its tokens' first bytes, as ``add(_:encoding:measures:)`` takes them (so
    /// that a caller can encode on one core while another measures the text).
    package func encoding(of text: [UInt8]) -> _AnalysisEncoding {
        let (ids, bits) = text.withUnsafeBufferPointer { try! tokenizer._encodeOrdinaryWithStartBits($0) }
        return _AnalysisEncoding(ids: ids, startBits: bits)
    }

    /// ``add(_:measures:)`` with the text already encoded by ``encoding(of:)`` of this analyzer.
    package mutating func add(_ text: [UInt8], encoding: _AnalysisEncoding, measures: TextMeasures) {
        guard !text.isEmpty else { return }
        let ids = encoding.ids
        bytes += text.count
        tokens += ids.count
        chars += measures.chars
        whitespaceWords += measures.whitespaceWords
        lines += measures.lines
        words += measures.words
        splitWords += Int(measures.wordBounds.withUnsafeBufferPointer { w in
            encoding.startBits.withUnsafeBufferPointer { tok_split_words(w.baseAddress, measures.words, $0.baseAddress, 64 * $0.count) }
        })
        // (Filling the four tables on different cores for a long text measured 7-10% faster
        // but tripled the time in the kernel and took 10% more memory: not taken.)
        blocks.add(ids)
        for l in options.zstdLevels {
            zstdText[l, default: 0] += measures.zstdSizes[l] ?? Self.zstdSizes(text, levels: [l])[l]!
        }
        guard !options.zstdLevels.isEmpty else { return }
        // the token stream as 32-bit little-endian ids
        let raw = ids.map { $0.littleEndian }.withUnsafeBytes { Array($0) }
        for (l, size) in Self.zstdSizes(raw, levels: options.zstdLevels) { zstdTokens[l, default: 0] += size }
    }

    /// Adds another analyzer's statistics (same tokenizer and options): the result is what one
    /// analyzer fed both streams of texts would report.
    public mutating func merge(_ other: CorpusAnalyzer) { merge(contentsOf: [other]) }

    /// Adds everything several analyzers of the same tokenizer and options have counted: the same
    /// as merging them one by one with ``merge(_:)`` (how `tok analyze` makes the total of many
    /// groups).
    public mutating func merge<S: Sequence<CorpusAnalyzer>>(contentsOf others: S) {
        let parts = Array(others)
        for p in parts {
            precondition(p.tokenizer.name == tokenizer.name && p.options == options, "merge analyzers of one tokenizer and options")
            bytes += p.bytes; chars += p.chars; tokens += p.tokens; lines += p.lines
            words += p.words; whitespaceWords += p.whitespaceWords; splitWords += p.splitWords
            for (l, v) in p.zstdText { zstdText[l, default: 0] += v }
            for (l, v) in p.zstdTokens { zstdTokens[l, default: 0] += v }
        }
        blocks.merge(contentsOf: parts.map(\.blocks))
    }

    /// The statistics of everything added so far.
    public func report() -> AnalysisReport {
        // Sorted by count (the summary gives them in id order, the same in every run): the
        // coverage curve takes them largest first, and the sums add their terms in that order.
        let summary = blocks.summary
        let counts = summary.unigramCounts.sorted()
        let v = tokenizer.vocabularySize
        func ratio(_ a: Int, _ b: Int) -> Double? { b == 0 ? nil : Double(a) / Double(b) }
        var conditional: [String: Double?] = [:]
        for k in 1..<blocks.maxOrder {
            conditional["\(k)"] = DistributionMetrics.conditionalEntropy(
                total: summary.total[k + 1], joint: summary.clog2c[k + 1], context: summary.contextClog2c[k])
        }
        var zText: [String: Double?] = [:], zTok: [String: Double?] = [:]
        for l in options.zstdLevels {
            zText["\(l)"] = bytes == 0 ? nil : Double(zstdText[l] ?? 0) * 8 / Double(bytes)
            zTok["\(l)"] = bytes == 0 ? nil : Double(zstdTokens[l] ?? 0) * 8 / Double(bytes)
        }
        var curve: [AnalysisReport.CoveragePoint] = []
        let sorted = Array(counts.reversed())   // largest first (every count is positive)
        if tokens > 0 {
            var k = 1, acc = 0, i = 0
            while i < sorted.count {
                acc += sorted[i]
                i += 1
                if i == k || i == sorted.count {
                    curve.append(.init(types: i, share: Double(acc) / Double(tokens)))
                    k *= 2
                }
            }
        }
        // each entropy once (the Rényi sum is a pow per type), divided for each efficiency as
        // DistributionMetrics' efficiency functions divide it
        let shannon = DistributionMetrics.shannonEntropy(counts)
        let renyi = DistributionMetrics.renyiEntropy(counts, alpha: options.alpha)
        let observed = counts.filter { $0 > 0 }.count
        var report = AnalysisReport(
            tokenizer: tokenizer.name, vocabularySize: v,
            tokens: tokens, bytes: bytes, chars: chars, words: words, whitespaceWords: whitespaceWords, lines: lines,
            types: counts.count,
            bytesPerToken: ratio(bytes, tokens), charsPerToken: ratio(chars, tokens),
            tokensPerWord: ratio(tokens, words), tokensPerWhitespaceWord: ratio(tokens, whitespaceWords),
            tokensPerLine: ratio(tokens, lines), splitWordRatio: ratio(splitWords, words),
            shannonEntropy: shannon,
            shannonEfficiency: shannon.flatMap { DistributionMetrics.divideByLogSize($0, observed) },
            renyiAlpha: options.alpha,
            renyiEntropy: renyi,
            renyiEfficiency: renyi.flatMap { DistributionMetrics.divideByLogSize($0, observed) },
            renyiEfficiencyVocab: renyi.flatMap { DistributionMetrics.divideByLogSize($0, v) },
            vocabUtilization: v == 0 ? nil : Double(counts.count) / Double(v),
            bits: DistributionMetrics.scorerBits(counts),
            seqLen: lines == 0 ? nil : -Double(tokens) / Double(lines),
            percFreq: DistributionMetrics.percentileFrequency(descending: sorted),
            conditionalEntropy: conditional,
            zstdBitsPerByte: zText, zstdTokenStreamBitsPerByte: zTok,
            tokenBitsPerByte: bytes == 0 || v == 0 ? nil : Double(tokens) * log2(Double(v)) / Double(bytes))
        report.coverageCurve = curve
        return report
    }
}


/// A text's token ids and a bitmap of its tokens' first bytes, for ``CorpusAnalyzer``.
package struct _AnalysisEncoding: Sendable {
    let ids: [UInt32]
    let startBits: [UInt64]
}

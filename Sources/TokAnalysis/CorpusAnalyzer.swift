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
    public let tokenizer: Tokenizer
    public let options: AnalysisOptions

    var bytes = 0, chars = 0, tokens = 0, lines = 0, words = 0, whitespaceWords = 0, splitWords = 0
    var unigram: [Int: Int] = [:]
    var ngrams: [[NGram: Int]]            // index k-1 holds (k+1)-grams, k = 1…maxContext
    var zstdText: [Int: Int64] = [:], zstdTokens: [Int: Int64] = [:]
    private var counters: _ZstdCounters

    /// An analyzer for one tokenizer.
    public init(tokenizer: Tokenizer, options: AnalysisOptions = AnalysisOptions()) {
        self.tokenizer = tokenizer
        self.options = options
        let n = Swift.min(3, Swift.max(0, options.maxContext))
        ngrams = Array(repeating: [:], count: n)
        counters = _ZstdCounters(levels: options.zstdLevels)
    }

    /// Adds one text (any bytes). Special-token text counts as ordinary text.
    public mutating func add(_ text: [UInt8]) {
        guard !text.isEmpty else { return }
        let enc = try! tokenizer.encodeWithOffsets(bytes: text, disallowedSpecial: .none)
        bytes += text.count
        tokens += enc.ids.count
        text.withUnsafeBufferPointer { buf in
            var i = 0
            while i < buf.count {
                i += Int(tok_utf8_at(buf.baseAddress, buf.count, i).len)
                chars += 1
            }
        }
        var newlines = 0
        for b in text where b == 0x0A { newlines += 1 }
        lines += newlines + (text.last == 0x0A ? 0 : 1)
        countWords(text, tokenStarts: enc.byteRanges.map(\.lowerBound))
        for id in enc.ids { unigram[id, default: 0] += 1 }
        for (k, _) in ngrams.enumerated() {
            let n = k + 2
            guard enc.ids.count >= n else { continue }
            for i in 0...(enc.ids.count - n) {
                ngrams[k][NGram(enc.ids[i..<(i + n)]), default: 0] += 1
            }
        }
        counters.feed(text: text, ids: enc.ids)
    }

    /// UAX #29 words (ICU) and whitespace-separated words; a UAX word counts as split when a
    /// token starts strictly inside it.
    private mutating func countWords(_ text: [UInt8], tokenStarts: [Int]) {
        let n = text.count
        var starts = [UInt32](repeating: 0, count: n + 1)
        var kinds = [UInt8](repeating: 0, count: n + 1)
        let count = Int(text.withUnsafeBufferPointer { t in
            tok_icu_word_segments(t.baseAddress, n, &starts, &kinds, n + 1)
        })
        var t = 0
        if count > 0 {
            for k in 0..<count where kinds[k] == 1 {
                let a = Int(starts[k]), b = k + 1 < count ? Int(starts[k + 1]) : n
                words += 1
                while t < tokenStarts.count && tokenStarts[t] <= a { t += 1 }
                if t < tokenStarts.count && tokenStarts[t] < b { splitWords += 1 }
            }
        }
        var inWord = false
        for b in text {
            let space = b == 0x20 || (b >= 0x09 && b <= 0x0D)
            if !space && !inWord { whitespaceWords += 1 }
            inWord = !space
        }
    }

    /// The statistics so far (zstd sizes are final when the analyzer is finished with
    /// ``finish()``; before that they cover what was compressed so far).
    public func report() -> AnalysisReport {
        let counts = Array(unigram.values)
        let v = tokenizer.vocabularySize
        func ratio(_ a: Int, _ b: Int) -> Double? { b == 0 ? nil : Double(a) / Double(b) }
        var conditional: [String: Double?] = [:]
        for (i, table) in ngrams.enumerated() {
            conditional["\(i + 1)"] = DistributionMetrics.conditionalEntropy(joint: table, k: i + 1)
        }
        var zText: [String: Double?] = [:], zTok: [String: Double?] = [:]
        for (level, size) in zstdText { zText["\(level)"] = bytes == 0 ? nil : Double(size) * 8 / Double(bytes) }
        for (level, size) in zstdTokens { zTok["\(level)"] = bytes == 0 ? nil : Double(size) * 8 / Double(bytes) }
        return AnalysisReport(
            tokenizer: tokenizer.name, vocabularySize: v,
            tokens: tokens, bytes: bytes, chars: chars, words: words, whitespaceWords: whitespaceWords, lines: lines,
            types: counts.count,
            bytesPerToken: ratio(bytes, tokens), charsPerToken: ratio(chars, tokens),
            tokensPerWord: ratio(tokens, words), tokensPerWhitespaceWord: ratio(tokens, whitespaceWords),
            tokensPerLine: ratio(tokens, lines), splitWordRatio: ratio(splitWords, words),
            shannonEntropy: DistributionMetrics.shannonEntropy(counts),
            shannonEfficiency: DistributionMetrics.shannonEfficiency(counts),
            renyiAlpha: options.alpha,
            renyiEntropy: DistributionMetrics.renyiEntropy(counts, alpha: options.alpha),
            renyiEfficiency: DistributionMetrics.renyiEfficiency(counts, alpha: options.alpha),
            renyiEfficiencyVocab: DistributionMetrics.renyiEfficiency(counts, alpha: options.alpha, vocabularySize: v),
            vocabUtilization: v == 0 ? nil : Double(counts.count) / Double(v),
            bits: DistributionMetrics.scorerBits(counts),
            seqLen: lines == 0 ? nil : -Double(tokens) / Double(lines),
            percFreq: DistributionMetrics.percentileFrequency(counts),
            conditionalEntropy: conditional,
            zstdBitsPerByte: zText, zstdTokenStreamBitsPerByte: zTok,
            tokenBitsPerByte: bytes == 0 || v == 0 ? nil : Double(tokens) * log2(Double(v)) / Double(bytes))
    }

    /// Ends the zstd streams so that ``report()`` has the final compressed sizes. Call once,
    /// after the last ``add(_:)``.
    public mutating func finish() {
        let (t, k) = counters.finish()
        zstdText = t
        zstdTokens = k
    }
}

/// Up to four token ids (each below 2^32), as one hashable key; unused places hold 2^32 - 1.
struct NGram: Hashable, Sendable {
    var ids: (UInt32, UInt32, UInt32, UInt32)
    init(_ s: ArraySlice<Int>) {
        var x: [UInt32] = [.max, .max, .max, .max]
        for (i, v) in s.enumerated() where i < 4 { x[i] = UInt32(truncatingIfNeeded: v) }
        ids = (x[0], x[1], x[2], x[3])
    }
    /// The first k ids.
    func prefix(_ k: Int) -> NGram {
        var g = self
        if k < 4 { g.ids.3 = .max }
        if k < 3 { g.ids.2 = .max }
        if k < 2 { g.ids.1 = .max }
        return g
    }
    static func == (l: NGram, r: NGram) -> Bool {
        l.ids.0 == r.ids.0 && l.ids.1 == r.ids.1 && l.ids.2 == r.ids.2 && l.ids.3 == r.ids.3
    }
    func hash(into h: inout Hasher) {
        h.combine(UInt64(ids.0) << 32 | UInt64(ids.1))
        h.combine(UInt64(ids.2) << 32 | UInt64(ids.3))
    }
}

/// zstd streams for the text and the token stream (ids as little-endian u32) at each level.
final class _ZstdCounters: @unchecked Sendable {
    private var text: [(Int, OpaquePointer)] = []
    private var toks: [(Int, OpaquePointer)] = []
    init(levels: [Int]) {
        for l in levels {
            if let a = tok_zstd_counter_new(Int32(l)), let b = tok_zstd_counter_new(Int32(l)) {
                text.append((l, a))
                toks.append((l, b))
            }
        }
    }
    func feed(text bytes: [UInt8], ids: [Int]) {
        var raw = [UInt8]()
        raw.reserveCapacity(ids.count * 4)
        for id in ids {
            let v = UInt32(truncatingIfNeeded: id)
            raw.append(UInt8(v & 0xFF)); raw.append(UInt8((v >> 8) & 0xFF))
            raw.append(UInt8((v >> 16) & 0xFF)); raw.append(UInt8(v >> 24))
        }
        for (_, c) in text { _ = bytes.withUnsafeBufferPointer { tok_zstd_counter_feed(c, $0.baseAddress, $0.count) } }
        for (_, c) in toks { _ = raw.withUnsafeBufferPointer { tok_zstd_counter_feed(c, $0.baseAddress, $0.count) } }
    }
    func finish() -> ([Int: Int64], [Int: Int64]) {
        var a: [Int: Int64] = [:], b: [Int: Int64] = [:]
        for (l, c) in text { a[l] = tok_zstd_counter_finish(c) }
        for (l, c) in toks { b[l] = tok_zstd_counter_finish(c) }
        text = []
        toks = []
        return (a, b)
    }
    deinit { _ = finish() }
}

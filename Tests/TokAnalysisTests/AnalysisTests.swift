import Foundation
import Testing
@testable import TokAnalysis
import TokCore
import TokTestSupport

@Suite struct DistributionMetricTests {
    func close(_ a: Double?, _ b: Double, _ tol: Double = 1e-9) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tol * Swift.max(1, abs(b))
    }

    @Test func theReadmeExample() {
        let counts = [2, 1, 1] // "a a b c"
        #expect(close(DistributionMetrics.shannonEntropy(counts), 1.5))
        #expect(close(DistributionMetrics.renyiEfficiency(counts, alpha: 2.5), 0.867843, 1e-6))
        #expect(close(DistributionMetrics.renyiEfficiency(counts, alpha: 3), 0.844838, 1e-6))
        #expect(close(DistributionMetrics.shannonEfficiency(counts), 0.946395, 1e-6))
        #expect(close(DistributionMetrics.renyiEntropy(counts, alpha: 1), 1.5))
    }

    /// tokenization-scorer 1.1.8's values (tools/make_analysis_fixtures.py) on the same streams.
    @Test func matchesTokenizationScorer() throws {
        let cases = try TestFiles.jsonLines("tokenization_scorer.jsonl")
        #expect(cases.count >= 15)
        for c in cases {
            let lines = (c["lines"] as! [[NSNumber]]).map { $0.map(\.intValue) }
            var freq: [Int: Int] = [:]
            for l in lines { for id in l { freq[id, default: 0] += 1 } }
            let counts = Array(freq.values)
            let m = c["metrics"] as! [String: NSNumber]
            let name = c["name"] as! String
            for alpha in [2.5, 3.0] {
                #expect(close(DistributionMetrics.renyiEfficiency(counts, alpha: alpha), m["renyi_efficiency_\(alpha)"]!.doubleValue), "\(name)")
                #expect(close(DistributionMetrics.renyiEntropy(counts, alpha: alpha), m["renyi_entropy_\(alpha)"]!.doubleValue), "\(name)")
            }
            #expect(close(DistributionMetrics.renyiEfficiency(counts, alpha: 2.5, vocabularySize: 100277), m["renyi_efficiency_vocab_2.5"]!.doubleValue))
            #expect(close(DistributionMetrics.shannonEntropy(counts), m["shannon_entropy"]!.doubleValue), "\(name)")
            #expect(close(DistributionMetrics.shannonEfficiency(counts), m["shannon_efficiency"]!.doubleValue), "\(name)")
            #expect(close(DistributionMetrics.scorerBits(counts), m["bits"]!.doubleValue), "\(name)")
            #expect(close(DistributionMetrics.percentileFrequency(counts), m["perc_freq"]!.doubleValue), "\(name)")
        }
    }

    @Test func conditionalEntropyHandCases() {
        // alternating: the next token is determined by the previous one
        #expect(close(DistributionMetrics.conditionalEntropy([[1, 2, 1, 2, 1, 2]], k: 1), 0))
        // bigrams (1,1) (1,2) (2,1) (1,2) (2,2): H = 1.921928, contexts 1:3 2:2: H = 0.970951
        let h = -(3 * 0.2 * log2(0.2) + 0.4 * log2(0.4)) + (0.6 * log2(0.6) + 0.4 * log2(0.4))
        #expect(close(DistributionMetrics.conditionalEntropy([[1, 1, 2, 1, 2, 2]], k: 1), h))
        // n-grams never cross sequences
        #expect(DistributionMetrics.conditionalEntropy([[1], [2], [3]], k: 1) == nil)
        #expect(close(DistributionMetrics.conditionalEntropy([[7, 8, 9, 7, 8, 9, 7]], k: 2), 0))
        // any Int ids, as before: taken as 32-bit values (large ones counted in hash tables)
        #expect(close(DistributionMetrics.conditionalEntropy([[-1, 3, -1, 3, -1]], k: 1), 0))
    }

    @Test func undefinedValuesAreNil() {
        #expect(DistributionMetrics.shannonEntropy([Int]()) == nil)
        #expect(DistributionMetrics.shannonEfficiency([5]) == nil) // log2(1 type) = 0
        #expect(DistributionMetrics.shannonEntropy([5]) == 0)
        #expect(DistributionMetrics.percentileFrequency([Int]()) == nil)
    }
}

@Suite struct CorpusAnalyzerTests {
    let cl = try! Tokenizer(named: "cl100k_base")

    @Test func countsOnAKnownText() {
        var a = CorpusAnalyzer(tokenizer: cl)
        a.add(Array("Hello, world!".utf8))
        let r = a.report()
        #expect(r.tokens == 4)
        #expect(r.bytes == 13 && r.chars == 13)
        #expect(r.words == 2 && r.whitespaceWords == 2 && r.lines == 1)
        #expect(r.bytesPerToken == 3.25)
        #expect(r.tokensPerWord == 2)
        #expect(r.splitWordRatio == 0)
        #expect(r.types == 4)
        #expect(r.shannonEntropy == 2)
        #expect(r.conditionalEntropy["1"] == 0)
        #expect(r.vocabUtilization == 4.0 / 100277)
        #expect(abs(r.tokenBitsPerByte! - 4 * log2(100277.0) / 13) < 1e-12)
    }

    /// The report's distribution figures (computed from one table of 4-grams, the lower orders
    /// derived from it and each text's last ids) equal the definitions on the same ids counted
    /// order by order: texts of 0 to 3 tokens (shorter than some orders) and longer ones, merged.
    @Test func distributionFiguresEqualTheDefinitions() {
        var rng = SeededRandom(seed: 0xD15C)
        let words = ["a", "b", "the", "cat", ".", " ", "й", "日", "😀", "12", "x_y"]
        for trial in 0..<40 {
            let texts = (0..<Int.random(in: 1...60, using: &rng)).map { _ -> [UInt8] in
                let n = trial % 4 == 0 ? Int.random(in: 0...3, using: &rng) : Int.random(in: 0...40, using: &rng)
                return Array((0..<n).map { _ in words.randomElement(using: &rng)! }.joined().utf8)
            }
            var a = CorpusAnalyzer(tokenizer: cl), parts = [CorpusAnalyzer(tokenizer: cl), CorpusAnalyzer(tokenizer: cl)]
            for (i, t) in texts.enumerated() {
                a.add(t)
                parts[i % 2].add(t)
            }
            var merged = CorpusAnalyzer(tokenizer: cl)
            merged.merge(contentsOf: parts)
            let seqs = texts.filter { !$0.isEmpty }.map { cl.encodeOrdinary(bytes: $0) }
            var counts: [Int: Int] = [:]
            for s in seqs { for id in s { counts[id, default: 0] += 1 } }
            for r in [a.report(), merged.report()] {
                func close(_ x: Double?, _ y: Double?) -> Bool { x == nil ? y == nil : y != nil && abs(x! - y!) <= 1e-9 }
                #expect(r.types == counts.count)
                #expect(close(r.shannonEntropy, DistributionMetrics.shannonEntropy(Array(counts.values))), "trial \(trial)")
                #expect(close(r.renyiEntropy, DistributionMetrics.renyiEntropy(Array(counts.values), alpha: 2.5)), "trial \(trial)")
                for k in 1...3 {
                    let want = DistributionMetrics.conditionalEntropy(seqs, k: k)
                    #expect(close(r.conditionalEntropy["\(k)"] ?? nil, want), "trial \(trial) k \(k)")
                }
            }
        }
    }

    @Test func splitWordsCharsAndLines() {
        let word = "Zyzzyvaquux"
        #expect(cl.encodeOrdinary(word).count > 1)
        var a = CorpusAnalyzer(tokenizer: cl)
        a.add(Array("\(word) naïve\n\n".utf8))
        let r = a.report()
        #expect(r.words == 2)
        #expect(r.splitWordRatio! >= 0.5)
        #expect(r.chars == r.bytes - 1)   // ï is two bytes, one character
        #expect(r.lines == 2)
    }

    /// Words split by tokens, counted from the bitmap of token starts, against the words' and the
    /// tokens' byte ranges compared one by one, on random texts (words of every length, across the
    /// bitmap's 64-bit words; invalid UTF-8 and special-token text included), for pattern
    /// tokenizers and tokenizer files.
    @Test func splitWordsMatchTheTokensByteRanges() throws {
        var rng = SeededRandom(seed: 0x5917)
        let pieces = ["the", " quick", "Zyzzyvaquux", "naïve", " ", "\n", "1234567", "don't", "—", "中文字",
                      "\u{FF}", "<|endoftext|>", String(repeating: "x", count: 70), ",", "Überfluß"]
        let files = try ["hf_bytelevel", "bert_minilm"].map { try Tokenizer(file: TestFiles.fixture("formats/\($0).tokenizer.json.zst").path) }
        for tok in [cl, try Tokenizer(named: "o200k_base")] + files {   // (tokenizer files: the pipeline's offsets)
            for _ in 0..<60 {
                var text: [UInt8] = []
                for _ in 0..<Int.random(in: 1...80, using: &rng) {
                    let p = pieces[Int.random(in: 0..<pieces.count, using: &rng)]
                    text += p == "\u{FF}" ? [0xFF] : Array(p.utf8)
                }
                let words = icuWordBounds(text)
                let starts = try tok.encodeWithOffsets(bytes: text, disallowedSpecial: .none).byteRanges.map(\.lowerBound)
                var want = 0
                words.withUnsafeBufferPointer { w in
                    for k in 0..<(w.count / 2) {
                        let (a, b) = (Int(w[2 * k]), Int(w[2 * k + 1]))
                        if starts.contains(where: { $0 > a && $0 < b }) { want += 1 }
                    }
                }
                var a = CorpusAnalyzer(tokenizer: tok)
                a.add(text)
                let r = a.report()
                #expect(r.words == words.count / 2)
                #expect(r.words == 0 ? r.splitWordRatio == nil : abs(r.splitWordRatio! - Double(want) / Double(r.words)) < 1e-12,
                        "\(String(decoding: text, as: UTF8.self).debugDescription)")
            }
        }
    }

    /// One TextMeasures for several analyzers gives each the report of adding the text alone;
    /// words are counted right past the first guess of room (a word every 3 bytes), and a zstd
    /// level the measures lack is compressed by the analyzer.
    @Test func sharedMeasuresEqualAddingAlone() throws {
        let o200k = try Tokenizer(named: "o200k_base")
        let texts = ["Hello, world!", String(repeating: "a ", count: 3000), "日本語のテキスト、naïve café 42 — 😀\n",
                     "Zyzzyvaquux\r\nline two", ""].map { Array($0.utf8) }
        var alone = [CorpusAnalyzer(tokenizer: cl), CorpusAnalyzer(tokenizer: o200k)]
        var shared = alone
        for t in texts {
            for i in alone.indices { alone[i].add(t) }
            let m = TextMeasures(t, zstdLevels: [3])   // no level 19: the analyzers compress it
            for i in shared.indices { shared[i].add(t, measures: m) }
        }
        for i in alone.indices { #expect(shared[i].report() == alone[i].report()) }
        let many = TextMeasures(Array(String(repeating: "a ", count: 3000).utf8), zstdLevels: [])
        #expect(many.words == 3000 && many.whitespaceWords == 3000 && many.lines == 1 && many.chars == 6000)
        #expect(alone[0].report().words == texts.map { TextMeasures($0, zstdLevels: []).words }.reduce(0, +))
        #expect(alone[0].report().words >= 2 + 3000 + 2)
    }

    @Test func mergeEqualsOneStream() {
        let texts = ["Hello, world!", "The quick brown fox.", "naïve café — 😀", ""].map { Array($0.utf8) }
        var one = CorpusAnalyzer(tokenizer: cl)
        for t in texts { one.add(t) }
        var merged = CorpusAnalyzer(tokenizer: cl)
        for t in texts {
            var part = CorpusAnalyzer(tokenizer: cl)
            part.add(t)
            merged.merge(part)
        }
        #expect(merged.report() == one.report())
        // all at once (the n-gram tables merged partition by partition): the same report
        let parts = texts.map { t in var a = CorpusAnalyzer(tokenizer: cl); a.add(t); return a }
        var all = CorpusAnalyzer(tokenizer: cl)
        all.merge(contentsOf: parts)
        #expect(all.report() == one.report())
        var again = one
        again.merge(contentsOf: [CorpusAnalyzer]())
        #expect(again.report() == one.report())
    }

    @Test func emptyInputGivesNilsNotNaN() throws {
        var a = CorpusAnalyzer(tokenizer: cl)
        a.add([])
        let r = a.report()
        #expect(r.tokens == 0 && r.bytesPerToken == nil && r.shannonEntropy == nil && r.renyiEfficiency == nil)
        let json = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        #expect(json.contains("\"bytes_per_token\":null"))
        #expect(!json.contains("NaN"))
    }

    @Test func zstdBaselinesBehave() {
        var a = CorpusAnalyzer(tokenizer: cl)
        a.add(Array(String(repeating: "abc ", count: 25_000).utf8))
        #expect((a.report().zstdBitsPerByte["3"] ?? nil)! < 0.05)
        var rng = SeededRandom(seed: 99)
        var b = CorpusAnalyzer(tokenizer: cl)
        b.add(rng.bytes(50_000))
        #expect((b.report().zstdBitsPerByte["19"] ?? nil)! > 7.9)
    }
}

@Suite struct ScriptRunTests {
    @Test func runsTileTheTextAndFollowScripts() {
        let text = Array("Hello, мир! 123 Добрый день. 日本語 ok".utf8)
        let runs = ScriptRuns.split(text)
        #expect(runs.map(\.script) == ["Latin", "Cyrillic", "Han", "Latin"])
        #expect(runs.first?.range.lowerBound == 0 && runs.last?.range.upperBound == text.count)
        for (a, b) in zip(runs, runs.dropFirst()) { #expect(a.range.upperBound == b.range.lowerBound) }
        #expect(String(decoding: text[runs[1].range], as: UTF8.self) == "мир! 123 Добрый день. ")
        #expect(ScriptRuns.split([]).isEmpty)
        #expect(ScriptRuns.split(Array("123 !".utf8)).map(\.script) == ["Common"])
    }

    /// The runs measured from one segmentation of the text are the runs of `split`, and each run's
    /// measures are those of the run measured alone (the same words, characters, lines).
    @Test func measuredRunsEqualRunsMeasuredAlone() throws {
        let cl = try Tokenizer(named: "cl100k_base")
        var rng = SeededRandom(seed: 0x5C41)
        let pieces = ["Hello, world. ", "мир! ", "Добрый день. ", "日本語のテキスト。", "ภาษาไทย ", "١٢٣ ", "αβγ δ ", "x=1; ", "\n", "😀 "]
        for _ in 0..<200 {
            var text = Array((0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined().utf8)
            if Int.random(in: 0..<4, using: &rng) == 0 { text += rng.bytes(3) }   // ill-formed bytes too
            let measured = ScriptRuns.measuredRuns(text, zstdLevels: [3])
            let split = ScriptRuns.split(text)
            #expect(measured.map(\.script) == split.map(\.script))
            #expect(measured.map(\.text) == split.map { Array(text[$0.range]) })
            for run in measured {
                let alone = TextMeasures(run.text, zstdLevels: [3])
                #expect(run.measures.words == alone.words && run.measures.chars == alone.chars)
                #expect(run.measures.lines == alone.lines && run.measures.whitespaceWords == alone.whitespaceWords)
                #expect(run.measures.zstdSizes == alone.zstdSizes)
                var a = CorpusAnalyzer(tokenizer: cl), b = CorpusAnalyzer(tokenizer: cl)
                a.add(run.text, measures: run.measures)
                b.add(run.text, measures: alone)
                #expect(a.report() == b.report())   // words split into 2+ tokens come from the word offsets
            }
        }
        #expect(ScriptRuns.measuredRuns([], zstdLevels: []).isEmpty)
    }
}

/// The words `tok analyze` counts: ASCII lines go through bit masks of ICU's rules on ASCII,
/// lines of simple word-break classes through a scanner of ICU's rules, other lines through ICU
/// itself. Every way must give the same words as ICU alone, byte for byte.
@Suite struct ICUWordTests {
    func words(_ text: [UInt8], ascii: Bool) -> [UInt32] { icuWordBounds(text, asciiFast: ascii).array }

    /// `trials` random texts, each `lines` lines of `length` pieces from `piece`, every line closed
    /// by `end`, then `finish` (for trailing bytes): Tok's scanners must give ICU's words.
    func expectRandomTextsAsICU(seed: UInt64, trials: Int, lines: ClosedRange<Int>, length: ClosedRange<Int>,
                                piece: (Int, inout SeededRandom) -> [UInt8], end: (inout SeededRandom) -> [UInt8],
                                finish: (Int, inout SeededRandom) -> [UInt8] = { _, _ in [] }) {
        var rng = SeededRandom(seed: seed)
        for trial in 0..<trials {
            var text: [UInt8] = []
            for _ in 0..<Int.random(in: lines, using: &rng) {
                for _ in 0..<Int.random(in: length, using: &rng) { text += piece(trial, &rng) }
                text += end(&rng)
            }
            text += finish(trial, &rng)
            #expect(words(text, ascii: true) == words(text, ascii: false), "trial \(trial)")
        }
    }

    /// Known cases: ICU's root rules leave ':' out of MidLetter and put '@' in ALetter; "a.b",
    /// "1,000.5" and "can't" are one word; "__" is a word and "_" is not.
    @Test func asciiCasesAsICU() {
        let cases: [(String, [String])] = [
            ("a:b a.b can't 1,000.5 x@y.z", ["a", "b", "a.b", "can't", "1,000.5", "x@y.z"]),
            ("__ _ a_1 _x 3_ e.g. end.", ["__", "a_1", "_x", "3_", "e.g", "end"]),
            ("tab\tsep\r\nnext\u{0B}vt", ["tab", "sep", "next", "vt"]),
        ]
        for (text, want) in cases {
            let bytes = Array(text.utf8)
            let w = words(bytes, ascii: true)
            let got = stride(from: 0, to: w.count, by: 2).map { String(decoding: bytes[Int(w[$0])..<Int(w[$0 + 1])], as: UTF8.self) }
            #expect(got == want, "\(text)")
            #expect(w == words(bytes, ascii: false), "\(text)")
        }
    }

    /// Random lines over every ASCII byte and over the classes that matter, mixed with lines of
    /// other scripts (which go to ICU), CR LF and lone CRs: the same words as ICU alone.
    @Test func randomTextsAsICU() {
        let classes = Array("aZ09.:',;_ @\t\"-!\r".utf8)
        let other = ["é", "日本", "ภาษา", "’", "\u{301}", "😀", "\u{200D}", "א", "ア", "мир"].map { Array($0.utf8) }
        expectRandomTextsAsICU(seed: 0xA5C11, trials: 3_000, lines: 1...8, length: 0...30, piece: { _, rng in
            switch Int.random(in: 0..<20, using: &rng) {
            case 0: return other.randomElement(using: &rng)!
            case 1..<8: return [UInt8.random(in: 0...127, using: &rng)]
            default: return [classes.randomElement(using: &rng)!]
            }
        }, end: { rng in Int.random(in: 0..<4, using: &rng) == 0 ? [13, 10] : [10] },
           finish: { trial, rng in trial % 7 == 0 ? rng.bytes(2) : [] })   // ill-formed bytes
    }

    /// Characters of every word-break class the scanner takes (letters and digits of other
    /// scripts, MidNumLet, MidNum, ExtendNumLet, spaces, Newline, Other, Extend, Format, ZWJ
    /// anywhere: after letters, spaces, line starts) and of classes it must leave to ICU
    /// (MidLetter, Katakana, Hebrew, emoji, dictionary scripts, beyond the BMP), between ASCII
    /// letters, digits and joiners: the same words as ICU alone.
    @Test func wordBreakClassesAsICU() {
        let simple = ["é", "ß", "Ж", "ω", "ǅ", "ª", "٣", "０", "’", "‘", "․", "．", "＇", "؍", "٫", "\u{203F}",
                      "\u{202F}", "\u{2003}", "\u{3000}", "\u{0085}", "\u{2028}", "“", "—", "\u{00A0}", "§", "€",
                      "\u{0301}", "\u{00AD}", "\u{200D}", "\u{200C}", "\u{2060}", "क", "ि", "्", "৫"]
        let icuOnly = ["·", "ア", "א", "©", "日", "ก", "한", "𝒜"]
        let ascii = Array("aZ09.:',;_ @\t\"-!".utf8)
        expectRandomTextsAsICU(seed: 0xB0C5, trials: 3_000, lines: 1...6, length: 0...25, piece: { trial, rng in
            switch Int.random(in: 0..<16, using: &rng) {
            case 0..<5: return Array(simple.randomElement(using: &rng)!.utf8)
            case 5 where trial % 3 == 0: return Array(icuOnly.randomElement(using: &rng)!.utf8)
            default: return [ascii.randomElement(using: &rng)!]
            }
        }, end: { _ in [10] })
    }

    /// Long runs of letters (and of digits, and of spaces) in lines the character scanner takes:
    /// ASCII letters 16 at a time and other characters of the run's class (with Extend, Format
    /// and ZWJ inside runs of letters and digits) in a loop of their own, so runs that mix them,
    /// cross 16-byte steps, end at a joiner, a mark after spaces, a character left to ICU or the
    /// line's end, and characters of other classes inside them, give ICU's words.
    @Test func longMixedRunsAsICU() {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCXYZ@".utf8).map { [$0] }
        // letters of two and three bytes; Extend, Format and ZWJ (marks of two and three bytes)
        let twoByte = ["é", "ß", "Ж", "ω", "ǅ", "ª", "ı", "क", "ა", "ཀ", "\u{093F}", "\u{094D}", "\u{0301}", "\u{200D}",
                       "\u{00AD}"].map { Array($0.utf8) }
        let others = ["٣", "०", "0", "7", "'", ".", ",", "_", " ", " ", "\u{0301}", "\u{00AD}", "’", "\u{00A0}", "§", "·",
                      "א", "日", "\u{2003}", "-", ":"].map { Array($0.utf8) }
        expectRandomTextsAsICU(seed: 0x16B7, trials: 2_000, lines: 1...4, length: 0...90, piece: { trial, rng in
            switch Int.random(in: 0..<20, using: &rng) {
            case 0..<12: return letters.randomElement(using: &rng)!
            case 12..<16: return twoByte.randomElement(using: &rng)!
            case 16 where trial % 2 == 0: return Array(repeating: UInt8(ascii: "9"), count: Int.random(in: 1...20, using: &rng))
            default: return others.randomElement(using: &rng)!
            }
        }, end: { rng in Int.random(in: 0..<3, using: &rng) == 0 ? [] : [10] },
           finish: { trial, rng in trial % 5 == 0 ? [0xC3] : [] })   // a lead byte cut at the end
    }

    /// Long ASCII lines, so that runs of letters, digits, '_' and joiners cross the 64-byte
    /// blocks of the bit-mask path, with lines of other characters between the spans; in half
    /// the texts also the General Punctuation the path takes (MidNumLet U+2018, U+2019, U+2024
    /// joining letters or digits across blocks; quotes, dashes, ellipsis of class Other).
    @Test func longASCIILinesAsICU() {
        let classes = Array("aaaaZ0099..,,;;''__  :@\r-".utf8)
        let punct = ["’", "‘", "․", "’", "“", "”", "—", "–", "…", "′"].map { Array($0.utf8) }
        expectRandomTextsAsICU(seed: 0x64B1, trials: 1_500, lines: 1...5, length: 0...300, piece: { trial, rng in
            trial % 2 == 1 && Int.random(in: 0..<6, using: &rng) == 0 ? punct.randomElement(using: &rng)!
                                                                        : [classes.randomElement(using: &rng)!]
        }, end: { rng in
            (Int.random(in: 0..<4, using: &rng) == 0 ? Array("x’y".utf8) : []) + (Int.random(in: 0..<5, using: &rng) > 0 ? [10] : [])
        })
    }

    /// Characters, line feeds and whitespace words (the 64-byte path for ASCII and well-formed
    /// UTF-8, and the character loop) against a count by their definitions, on random bytes of
    /// every kind.
    @Test func textStatsByDefinition() {
        var rng = SeededRandom(seed: 0x57A7)
        // characters at the edges of UTF-8's ranges, and sequences just past them (overlong,
        // surrogates, above U+10FFFF, truncated), which count one character per maximal subpart
        let edges: [[UInt8]] = [[0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
                                [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
                                [0xC0, 0x80], [0xC1, 0xBF], [0xF5, 0x80], [0x80], [0xE2, 0x80], [0xF0, 0x9F, 0x98], [0xC2]]
        let pieces = [" ", "\t", "\n", "\r\n", "\u{0B}", "\u{0C}", "ab", "word", "é", "日本", "😀"].map { Array($0.utf8) }
        for trial in 0..<2_000 {
            var text: [UInt8] = []
            // long texts of mostly well-formed characters too: the 64-byte blocks' path
            for _ in 0..<Int.random(in: 0...(trial % 2 == 0 ? 120 : 600), using: &rng) {
                switch Int.random(in: 0..<(trial % 2 == 0 ? 10 : 60), using: &rng) {
                case 0: text += rng.bytes(Int.random(in: 1...3, using: &rng))
                case 1: text += edges.randomElement(using: &rng)!
                default: text += pieces.randomElement(using: &rng)!
                }
            }
            let m = TextMeasures(text, zstdLevels: [])
            let isSpace: (UInt8) -> Bool = { $0 == 0x20 || (0x09...0x0D).contains($0) }
            var ws = 0
            for (k, b) in text.enumerated() where !isSpace(b) && (k == 0 || isSpace(text[k - 1])) { ws += 1 }
            let lines = text.isEmpty ? 0 : text.filter { $0 == 10 }.count + (text.last == 10 ? 0 : 1)
            #expect(m.chars == String(decoding: text, as: UTF8.self).unicodeScalars.count, "trial \(trial)")
            #expect(m.whitespaceWords == ws && m.lines == lines, "trial \(trial)")
        }
    }

    /// The fixture texts (English, code, many scripts) joined into one document.
    @Test func fixtureTextsAsICU() throws {
        for name in ["tiktoken_o200k_base.jsonl", "hat_splitter.jsonl"] {
            let texts = try TestFiles.jsonLines(name).compactMap { $0["text"] as? String }
            #expect(texts.count > 100)
            let doc = Array(texts.joined(separator: "\n").utf8)
            let fast = words(doc, ascii: true)
            #expect(fast.count > 1_000)
            #expect(fast == words(doc, ascii: false), "\(name)")
        }
    }
}

/// Sums over a table do not depend on the order its keys arrived in (which decides where they
/// sit in the table): the same report, to the last bit, from every run and every batching.
@Suite struct OrderIndependenceTests {
    @Test func sumOfCountsIsTheSameInAnyOrder() {
        var rng = SeededRandom(seed: 0x5A3D)
        let entries = (0..<100_000).map { _ in
            ([UInt32.random(in: 0..<5_000, using: &rng), UInt32.random(in: 0..<5_000, using: &rng)], Int.random(in: 1...100_000, using: &rng))
        }
        var forward = NGramCounter(order: 2), backward = NGramCounter(order: 2)
        for (k, c) in entries { forward.add(k, times: c) }
        for (k, c) in entries.reversed() { backward.add(k, times: c) }
        #expect(forward.sumCLog2C == backward.sumCLog2C)
        var naive = 0.0
        for c in forward.values.sorted() where c > 1 { naive += Double(c) * log2(Double(c)) }
        #expect(abs(forward.sumCLog2C - naive) <= 1e-9 * naive)
    }

    /// Many short texts (a tail k-gram each) in two orders: the same conditional entropies.
    @Test func conditionalEntropyIsTheSameInAnyOrder() {
        var rng = SeededRandom(seed: 0x7A11)
        let sequences = (0..<20_000).map { _ in (0..<Int.random(in: 1...12, using: &rng)).map { _ in Int.random(in: 0..<3_000, using: &rng) } }
        for k in 1...3 {
            let a = DistributionMetrics.conditionalEntropy(sequences, k: k)
            let b = DistributionMetrics.conditionalEntropy(sequences.reversed(), k: k)
            #expect(a != nil && a == b, "k \(k): \(String(describing: a)) \(String(describing: b))")
        }
    }
}

/// The C n-gram table against a dictionary, and the tail-corrected conditional entropy against
/// the textbook definition (a table of the joint's first k ids), on random sequences: long ones
/// (the scattered path), short ones (shorter than the order, one id, empty), merged and copied.
@Suite struct BlockCountTests {
    /// The figures a ``BlockCounts`` summary reports, from dictionaries of the n-grams.
    static func expected(_ seqs: [[UInt32]], maxOrder: Int) -> BlockCounts.Summary {
        var s = BlockCounts.Summary()
        func f(_ c: Int) -> Double { c > 1 ? Double(c) * log2(Double(c)) : 0 }
        for k in 1...maxOrder {
            var grams: [[UInt32]: Int] = [:], contexts: [[UInt32]: Int] = [:]
            for q in seqs where q.count >= k {
                for i in 0...(q.count - k) {
                    grams[Array(q[i..<(i + k)]), default: 0] += 1
                    if i + k < q.count { contexts[Array(q[i..<(i + k)]), default: 0] += 1 }
                }
            }
            s.total[k] = grams.values.reduce(0, +)
            s.distinct[k] = grams.count
            s.clog2c[k] = grams.values.reduce(0) { $0 + f($1) }
            if k < maxOrder { s.contextClog2c[k] = contexts.values.reduce(0) { $0 + f($1) } }
            if k == 1 { s.unigramCounts = grams.sorted { $0.key[0] < $1.key[0] }.map(\.value) }
        }
        return s
    }

    static func close(_ a: BlockCounts.Summary, _ b: BlockCounts.Summary) -> Bool {
        func near(_ x: [Double], _ y: [Double]) -> Bool { zip(x, y).allSatisfy { abs($0 - $1) <= 1e-9 * Swift.max(1, abs($1)) } }
        return a.total == b.total && a.distinct == b.distinct && a.unigramCounts == b.unigramCounts
            && near(a.clog2c, b.clog2c) && near(a.contextClog2c, b.contextClog2c)
    }

    /// Texts spread over three counters and merged (and copies left alone) give every order's
    /// totals, distinct counts, sums and context sums of the definitions; so does the fallback of
    /// one hash table per order that a vocabulary of 2^21 − 1 ids or more takes.
    @Test(arguments: [6, 50, 3000])
    func summariesEqualTheDefinitions(alphabet: UInt32) {
        var rng = SeededRandom(seed: UInt64(alphabet))
        let seqs = NGramCountTests.randomSequences(&rng, alphabet: alphabet, long: false).map { $0.map { $0 & 0x7FFF_FFFF } }
        for maxOrder in 1...4 {
            let want = Self.expected(seqs, maxOrder: maxOrder)
            let top = Int(seqs.lazy.flatMap { $0 }.max() ?? 0) + 1
            for limit in [top, 1 << 22] {   // packed keys, and the fallback
                var parts = (0..<3).map { _ in BlockCounts(idLimit: limit, maxOrder: maxOrder) }
                for (i, q) in seqs.enumerated() { parts[i % 3].add(q) }
                let first = parts[0]
                let before = first.summary
                var all = first
                all.merge(contentsOf: Array(parts.dropFirst()))
                let got = all.summary
                #expect(Self.close(got, want), "order \(maxOrder), limit \(limit), alphabet \(alphabet)")
                #expect(first.summary == before)   // the copy merged into did not change it
                if limit == 1 << 22 { continue }
                // buffers of a few keys: texts cut into pieces whose last keys look into the next
                // piece, a run per piece, every piece merged
                for keys in [1, 2, 5] {
                    var tiny = BlockCounts(idLimit: limit, maxOrder: maxOrder, bufferKeys: keys)
                    for q in seqs { tiny.add(q) }
                    #expect(Self.close(tiny.summary, want), "order \(maxOrder), buffer \(keys), alphabet \(alphabet)")
                }
                // the sums are exact (fixed point): the same digits whatever order texts came in
                var reversed = BlockCounts(idLimit: limit, maxOrder: maxOrder)
                for q in seqs.reversed() { reversed.add(q) }
                #expect(reversed.summary == got)
            }
        }
    }

    /// More ids than the sort buffer holds (sorted runs merged several times; a buffer of 100,000
    /// keys here, of 8 Mi by default) against the fallback's hash tables; and the default buffer
    /// (every key sorted at once and summarized in place) gives the same.
    @Test func longInputEqualsTheHashTables() {
        var rng = SeededRandom(seed: 47)
        let seqs = (0..<3).map { _ in (0..<450_000).map { _ in UInt32.random(in: 0...UInt32.random(in: 0..<3000, using: &rng), using: &rng) } }
        var runs = BlockCounts(idLimit: 3000, maxOrder: 4, bufferKeys: 100_000)
        var inPlace = BlockCounts(idLimit: 3000, maxOrder: 4), hashed = BlockCounts(idLimit: 1 << 22, maxOrder: 4)
        for q in seqs { runs.add(q); inPlace.add(q); hashed.add(q) }
        #expect(Self.close(runs.summary, hashed.summary))
        #expect(Self.close(inPlace.summary, hashed.summary))
        #expect(runs.summary.total[4] == 3 * (450_000 - 3))
        // summarized in place, then more keys: the sorted buffer is still the counter's buffer
        var more = inPlace
        more.add(seqs[0])
        hashed.add(seqs[0])
        #expect(Self.close(more.summary, hashed.summary))
        // counters summarized in place (and one changed after) merged into others: their
        // buffers become runs (as they are while still sorted)
        var a = BlockCounts(idLimit: 3000, maxOrder: 4), b = BlockCounts(idLimit: 3000, maxOrder: 4)
        var h = BlockCounts(idLimit: 1 << 22, maxOrder: 4)
        a.add(seqs[1]); b.add(seqs[2]); h.add(seqs[1]); h.add(seqs[2])
        _ = a.summary
        _ = b.summary
        b.add(seqs[0]); h.add(seqs[0])
        var target = BlockCounts(idLimit: 3000, maxOrder: 4, bufferKeys: 100_000)
        target.add([7, 7, 7]); h.add([7, 7, 7])
        target.merge(contentsOf: [a, b])
        #expect(Self.close(target.summary, h.summary))
    }

    /// A vocabulary of more than 65,535 ids: counters key their n-grams by 16-bit numbers of the
    /// ids while the process has numbered fewer than 65,535 of them under that limit, and switch
    /// to the ids themselves when a text brings more (in the middle of it, with sorted runs
    /// behind). Counters of both kinds merged either way round give the hash tables' figures.
    /// (The limit is this test's own: the numbers are shared by every counter of a limit.)
    @Test func denseNumbersAndTheSwitchToIds() {
        var rng = SeededRandom(seed: 0xD3)
        let limit = 150_001
        let small = (0..<40).map { _ in (0..<Int.random(in: 0...3_000, using: &rng)).map { _ in UInt32.random(in: 100_000..<100_400, using: &rng) } }
        let many = (0..<1_300_000).map { _ in UInt32.random(in: 0..<UInt32(limit), using: &rng) }   // ~150,000 distinct ids
        func counts(_ texts: [[UInt32]], _ limit: Int) -> BlockCounts {
            var c = BlockCounts(idLimit: limit, maxOrder: 4, bufferKeys: 100_000)   // runs behind
            for t in texts { c.add(t) }
            return c
        }
        let a = counts(Array(small[0..<20]), limit)          // numbered ids
        let wide = counts(Array(small[20..<25]) + [many], limit) // goes wide during `many`
        let c = counts(Array(small[25...]), limit)           // numbered ids again (all known)
        var x = a; x.merge(contentsOf: [wide, c])            // numbered counter takes a wide one
        var y = wide; y.merge(contentsOf: [a, c])            // wide counter takes numbered ones
        let want = counts(small + [many], 1 << 22).summary
        #expect(Self.close(x.summary, want) && Self.close(y.summary, want))
        #expect(Self.close(a.summary, counts(Array(small[0..<20]), 1 << 22).summary))
        #expect(Self.close(c.summary, counts(Array(small[25...]), 1 << 22).summary))
    }

    /// Small counters keep their ids beside their sorted keys after a summary (a file's group):
    /// merged into another, the ids are appended to its buffer; added to, they are its buffer
    /// again. Every way round gives the definitions' figures, and a summarized source is left as
    /// it was.
    @Test func summarizedSmallCountersMergeAndGrow() {
        var rng = SeededRandom(seed: 0x5A11)
        let seqs = NGramCountTests.randomSequences(&rng, alphabet: 40, long: false)
        let limit = Int(seqs.lazy.flatMap { $0 }.max() ?? 0) + 1
        for maxOrder in [2, 4] {
            let want = Self.expected(seqs, maxOrder: maxOrder)
            // each text its own counter, summarized, then merged into a total (tok analyze's files)
            let files = seqs.map { q -> BlockCounts in
                var c = BlockCounts(idLimit: limit, maxOrder: maxOrder)
                c.add(q)
                _ = c.summary
                return c
            }
            var total = BlockCounts(idLimit: limit, maxOrder: maxOrder)
            total.merge(contentsOf: files)
            #expect(Self.close(total.summary, want), "order \(maxOrder)")
            #expect(files.indices.allSatisfy { Self.close(files[$0].summary, Self.expected([seqs[$0]], maxOrder: maxOrder)) })
            // a summarized total merged into again, and added to after its summary
            var grown = BlockCounts(idLimit: limit, maxOrder: maxOrder)
            for (i, q) in seqs.enumerated() {
                if i % 3 == 0 { grown.add(q) } else { grown.merge(contentsOf: [files[i]]) }
                if i % 5 == 0 { _ = grown.summary }
            }
            #expect(Self.close(grown.summary, want), "order \(maxOrder)")
            // into a counter with a small buffer (runs behind): the appended ids flush it when full
            var small = BlockCounts(idLimit: limit, maxOrder: maxOrder, bufferKeys: 7)
            small.merge(contentsOf: files)
            #expect(Self.close(small.summary, want), "order \(maxOrder)")
        }
    }

    @Test func emptyAndShortTexts() {
        var b = BlockCounts(idLimit: 10, maxOrder: 4)
        #expect(b.summary == BlockCounts.Summary())
        b.add([])
        b.add([3])
        b.add([3, 4])
        let s = b.summary
        #expect(s.total == [0, 3, 1, 0, 0] && s.distinct == [0, 2, 1, 0, 0])
        #expect(s.unigramCounts == [2, 1])
        #expect(s.contextClog2c[1] == 0 && s.clog2c[1] == 2)   // 3 twice: 2·log₂2

        // merging a copy of itself doubles every count, and leaves the copy as it was
        for limit in [10, 1 << 22] {
            var c = BlockCounts(idLimit: limit, maxOrder: 2)
            c.add([1, 2, 1])
            let copy = c
            c.merge(contentsOf: [c])
            #expect(c.summary.total == [0, 6, 4, 0, 0] && c.summary.unigramCounts == [4, 2], "limit \(limit)")
            #expect(copy.summary.total == [0, 3, 2, 0, 0])
        }
    }
}

@Suite struct NGramCountTests {
    /// Plug-in H(Tᵢ | k previous) computed the long way: joint and context dictionaries.
    static func bruteConditional(_ seqs: [[UInt32]], k: Int) -> Double? {
        var joint: [[UInt32]: Int] = [:], context: [[UInt32]: Int] = [:]
        var total = 0
        for s in seqs where s.count > k {
            for i in 0...(s.count - k - 1) {
                joint[Array(s[i...(i + k)]), default: 0] += 1
                context[Array(s[i..<(i + k)]), default: 0] += 1
                total += 1
            }
        }
        guard total > 0 else { return nil }
        func h(_ d: [[UInt32]: Int]) -> Double {
            d.values.reduce(0.0) { acc, c in
                let p = Double(c) / Double(total)
                return acc - p * log2(p)
            }
        }
        return Swift.max(0, h(joint) - h(context))
    }

    static func randomSequences(_ rng: inout SeededRandom, alphabet: UInt32, long: Bool) -> [[UInt32]] {
        var out: [[UInt32]] = [[], [7], [7, 8]]
        for _ in 0..<(long ? 3 : 60) {
            let n = long ? Int.random(in: 9_000...40_000, using: &rng) : Int.random(in: 0...12, using: &rng)
            // a skewed draw (small ids far more often), so counts above one are common
            out.append((0..<n).map { _ in
                let r = UInt32.random(in: 0..<alphabet, using: &rng)
                return UInt32.random(in: 0...r, using: &rng) | (r & 1) << 31
            })
        }
        return out
    }

    @Test(arguments: [false, true])
    func countsMatchADictionary(long: Bool) {
        var rng = SeededRandom(seed: long ? 41 : 42)
        let seqs = Self.randomSequences(&rng, alphabet: 50, long: long)
        for order in 1...4 {
            var counter = NGramCounter(order: order)
            var expected: [[UInt32]: Int] = [:]
            for s in seqs {
                counter.add(sequence: s)
                if s.count >= order { for i in 0...(s.count - order) { expected[Array(s[i..<(i + order)]), default: 0] += 1 } }
            }
            #expect(counter.distinct == expected.count, "order \(order), seed \(rng.seed)")
            #expect(counter.total == expected.values.reduce(0, +))
            let got = Dictionary(uniqueKeysWithValues: counter.entries.map { ($0.key, $0.count) })
            #expect(got == expected, "order \(order), seed \(rng.seed)")
            for (key, c) in expected.prefix(200) { #expect(counter.count(of: key) == c) }
            #expect(counter.count(of: Array(repeating: 0xFFFF_FFFE, count: order)) == 0)
            let sum = expected.values.reduce(0.0) { $0 + Double($1) * log2(Double($1)) }
            #expect(abs(counter.sumCLog2C - sum) <= 1e-9 * Swift.max(1, sum))

            // halves merged equal the whole; a copy is not changed by its original
            var a = NGramCounter(order: order), b = NGramCounter(order: order)
            for (i, s) in seqs.enumerated() { if i % 2 == 0 { a.add(sequence: s) } else { b.add(sequence: s) } }
            let before = a
            a.merge(b)
            #expect(Dictionary(uniqueKeysWithValues: a.entries.map { ($0.key, $0.count) }) == expected)
            #expect(before.total + b.total == a.total)
            #expect(before.total < a.total || b.total == 0)
        }
    }

    /// 3- and 4-grams start in 16-byte entries (ids below 2^21, counts below 2^43) and turn
    /// wide when a larger id or count arrives: before, across and after the change, and in merges
    /// of a compact counter with a wide one either way, the counts stay those of a dictionary.
    @Test(arguments: [false, true])
    func compactCountersWidenExactly(long: Bool) {
        var rng = SeededRandom(seed: long ? 45 : 46)
        let small = Self.randomSequences(&rng, alphabet: 30, long: long).map { $0.map { $0 & 0x1F_FFFF } }
        let big = (0..<20).map { _ in (0..<Int.random(in: 4...40, using: &rng)).map { _ in
            Bool.random(using: &rng) ? UInt32.random(in: 0...5, using: &rng) : 0x20_0000 + UInt32.random(in: 0...3, using: &rng) } }
        func expected(_ seqs: [[UInt32]], _ order: Int) -> [[UInt32]: Int] {
            var e: [[UInt32]: Int] = [:]
            for s in seqs where s.count >= order { for i in 0...(s.count - order) { e[Array(s[i..<(i + order)]), default: 0] += 1 } }
            return e
        }
        func dict(_ c: NGramCounter) -> [[UInt32]: Int] { Dictionary(uniqueKeysWithValues: c.entries.map { ($0.key, $0.count) }) }
        for order in 3...4 {
            var c = NGramCounter(order: order)
            for s in small { c.add(sequence: s) }
            #expect(dict(c) == expected(small, order))
            #expect(c.count(of: [UInt32](repeating: 0x20_0000, count: order)) == 0)
            for s in big { c.add(sequence: s) }   // turns wide here
            let all = expected(small + big, order)
            #expect(dict(c) == all, "order \(order), seed \(rng.seed)")
            #expect(c.distinct == all.count)
            for key in expected(big, order).keys.prefix(50) { #expect(c.count(of: key) == all[key]) }

            var compact = NGramCounter(order: order), wide = NGramCounter(order: order)
            for s in small { compact.add(sequence: s) }
            for s in big { wide.add(sequence: s) }
            var a = compact, b = wide
            a.merge(wide)      // compact ← wide: widens first
            b.merge(compact)   // wide ← compact: keys re-made wide
            #expect(dict(a) == all)
            #expect(dict(b) == all)
            #expect(a.total == b.total && a.sumCLog2C.isFinite)
            #expect(dict(compact) == expected(small, order))  // copies are not changed

            // many counters at once, partition by partition on all cores: the same counts, whether
            // every source has the compact format (the parallel path) or one is wide (one by one)
            let parts = small.chunked(4).map { seqs in var c = NGramCounter(order: order); for q in seqs { c.add(sequence: q) }; return c }
            var together = NGramCounter(order: order)
            together.merge(contentsOf: parts + [NGramCounter(order: order)])
            #expect(dict(together) == expected(small, order))
            #expect(together.distinct == expected(small, order).count && together.total == parts.reduce(0) { $0 + $1.total })
            #expect(abs(together.sumCLog2C - compact.sumCLog2C) <= 1e-12 * compact.sumCLog2C)  // summed in another order
            var mixed = parts[0]
            mixed.merge(contentsOf: parts.dropFirst() + [wide])
            #expect(dict(mixed) == all && mixed.total == a.total)
            #expect(dict(parts[0]) == expected(Array(small.prefix(4)), order))  // the source is not changed
            var none = NGramCounter(order: order), one = NGramCounter(order: order)
            none.merge(contentsOf: [])
            one.merge(contentsOf: [wide])
            #expect(dict(none).isEmpty && dict(one) == expected(big, order))

            // a count that would reach 2^43 widens too
            var huge = NGramCounter(order: order)
            let key = [UInt32](repeating: 7, count: order)
            huge.add(key, times: (1 << 43) - 1)
            huge.add(key, times: 2)
            #expect(huge.count(of: key) == (1 << 43) + 1)
            #expect(huge.total == (1 << 43) + 1 && huge.distinct == 1)
        }
    }

    @Test(arguments: [false, true])
    func conditionalEntropyEqualsTheDefinition(long: Bool) {
        var rng = SeededRandom(seed: long ? 43 : 44)
        let seqs = Self.randomSequences(&rng, alphabet: long ? 400 : 6, long: long)
        for k in 1...3 {
            let got = DistributionMetrics.conditionalEntropy(seqs.map { $0.map { Int($0) } }, k: k)
            let want = Self.bruteConditional(seqs, k: k)
            #expect((got == nil) == (want == nil))
            if let got, let want { #expect(abs(got - want) <= 1e-9 * Swift.max(1, want), "k \(k), seed \(rng.seed)") }
        }
    }
}

extension Array {
    /// The elements in consecutive slices of at most `n`.
    func chunked(_ n: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: n).map { self[$0..<Swift.min(count, $0 + n)] }
    }
}

import Foundation
import Testing
import TokCore
import TokDynamic
import TokTestSupport

/// Dynamic batch-level BPE: the reference's rules on hand-made batches, and properties.
@Suite struct DynamicMergerTests {
    /// A byte-level vocabulary: the 256 bytes, then the given tokens.
    func vocab(_ extra: [String], specials: [String: Int] = [:]) throws -> Tokenizer {
        var lines = (0..<256).map { "\(Data([UInt8($0)]).base64EncodedString()) \($0)" }
        for (k, t) in extra.enumerated() { lines.append("\(Data(t.utf8).base64EncodedString()) \(256 + k)") }
        return try Tokenizer(tiktokenData: Array(lines.joined(separator: "\n").utf8), pattern: .r50k, specialTokens: specials)
    }

    func texts(_ b: DynamicBatch) -> [[String]] { b.units.map { $0.map { String(decoding: $0.bytes, as: UTF8.self) } } }

    @Test func unbelievableExample() throws {
        let tok = try vocab([" un", "believ", "able", "ably", " believ"])
        let (un, believ, able, ably, sbeliev) = (256, 257, 258, 259, 260)
        let batch = [[un, believ, able], [un, believ, ably, sbeliev, able], [sbeliev, able]]
        let m = DynamicMerger(tokenizer: tok)
        let one = try m.merge(batch, budget: .merges(1))
        #expect(one.length == 8 && one.merges.map { String(decoding: $0.left + $0.right, as: UTF8.self) } == [" unbeliev"])
        let two = try m.merge(batch, budget: .merges(2))
        #expect(two.length == 6 && two.merges.last.map { String(decoding: $0.left + $0.right, as: UTF8.self) } == " believable")
        let three = try m.merge(batch, budget: .merges(3))
        #expect(three.length == 5 && three.merges.last.map { String(decoding: $0.left, as: UTF8.self) + "|" + String(decoding: $0.right, as: UTF8.self) } == " unbeliev|able")
        let ten = try m.merge(batch, budget: .merges(10))
        #expect(ten.merges.count == 4)
        #expect(texts(ten) == [[" unbelievable"], [" unbelievably", " believable"], [" believable"]])
        #expect(ten.units[1].map(\.span) == [0..<3, 3..<5])
        #expect(Array(ten.baseIDs(sequence: 1, unit: 1)) == [sbeliev, able])
    }

    @Test func leftToRightWithoutOverlap() throws {
        let tok = try vocab([])
        let a = Int(UInt8(ascii: "a"))
        let r = try DynamicMerger(tokenizer: tok).merge([[a, a, a]], budget: .merges(1))
        #expect(texts(r) == [["aa", "a"]])
        let four = try DynamicMerger(tokenizer: tok).merge([[a, a, a, a]], budget: .merges(1))
        #expect(texts(four) == [["aa", "aa"]])
    }

    @Test func whitespaceRules() throws {
        let tok = try vocab([])
        let nl = 0x0A, sp = 0x20, x = Int(UInt8(ascii: "x"))
        let m = DynamicMerger(tokenizer: tok)
        // Two newlines never merge; runs of spaces do; nothing merges across a space.
        #expect(try m.merge([[nl, nl], [nl, nl]], budget: .merges(5)).merges.isEmpty)
        #expect(texts(try m.merge([[sp, sp, sp, sp]], budget: .merges(5))) == [["    "]])
        #expect(try m.merge([[x, sp, x], [x, sp, x]], budget: .merges(5)).merges.map { $0.left + $0.right } == [[0x20, 0x78]])
    }

    @Test func wordAndSentenceBoundariesKeepSpecials() throws {
        let tok = try vocab(["<s>"], specials: ["<|sp|>": 257])
        let s = 257, a = Int(UInt8(ascii: "a")), b = Int(UInt8(ascii: "b"))
        for boundary in [MergeBoundary.word, .sentence, .wordHyphen] {
            let r = try DynamicMerger(tokenizer: tok, boundary: boundary).merge([[s, a, b, s, a, b]], budget: .merges(10))
            #expect(texts(r) == [["<|sp|>", "ab", "<|sp|>", "ab"]], "\(boundary)")
        }
    }

    @Test func reductionBudgetAndRoundTrip() throws {
        let tok = try Tokenizer(named: "cl100k_base")
        var rng = SeededRandom(seed: 0xD7)
        let texts = (0..<16).map { _ in
            (0..<40).map { _ in ["the", " cat", " sat", " on", " the", " mat", ".", "\n", " 42", " über"].randomElement(using: &rng)! }.joined()
        }
        let batch = texts.map { tok.encodeOrdinary($0) }
        let m = DynamicMerger(tokenizer: tok)
        let r = try m.merge(batch, budget: .reduction(0.3))
        #expect(r.reduction >= 0.3 || r.merges.count > 0)
        for (i, seq) in r.units.enumerated() {
            #expect(seq.flatMap(\.bytes) == Array(texts[i].utf8))
            #expect(seq.first?.span.lowerBound ?? 0 == 0 && seq.last?.span.upperBound ?? 0 == batch[i].count)
            for u in seq { #expect(try tok.decodeBytes(Array(batch[i][u.span])) == u.bytes) }
        }
        // Each added merge never lengthens the batch, and more merges keep the earlier ones.
        let a = try m.merge(batch, budget: .merges(10)), b = try m.merge(batch, budget: .merges(20))
        #expect(Array(b.merges.prefix(10)) == a.merges)
        #expect(b.length <= a.length)
        let v = b.vocabulary(decompositionLength: 4, padID: -1)
        #expect(v.decompositions.allSatisfy { $0.count == 4 })
        #expect(zip(v.indices, b.units).allSatisfy { $0.count == $1.count })
        #expect(throws: TokError.self) { try m.merge(batch, budget: .reduction(1.5)) }
        #expect(throws: TokError.self) { try m.merge([[999_999_999]], budget: .merges(1)) }
    }
}

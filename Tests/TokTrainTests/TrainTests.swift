import Foundation
import Testing
import TokCore
import TokTestSupport
import TokTrain

/// One training case of Tests/Fixtures/train/expected.json (made by tools/make_train_fixtures.py
/// with `tokenizers`' BpeTrainer).
struct TrainCase: CustomTestStringConvertible, Sendable {
    let name: String
    let pattern: SplitPattern?
    let vocabSize: Int
    let minFrequency: Int
    let specials: [String]
    let normalization: BPETrainer.Normalization
    let vocabCount: Int
    let merges: [[[UInt8]]]
    let heldOutIDs: [Int]
    let digits: (text: String, ids: [Int])?
    var testDescription: String { name }

    static let fixture: (heldOut: String, cases: [TrainCase]) = {
        let data = try! Data(contentsOf: TestFiles.fixture("train/expected.json"))
        let root = try! _readJSONValue(data) as! [String: Any]
        let cases = (root["cases"] as! [[String: Any]]).map { c in
            let p = c["pattern"] as! String
            return TrainCase(
                name: c["name"] as! String, pattern: p == "none" ? nil : SplitPattern(name: p)!,
                vocabSize: (c["vocab_size"] as! NSNumber).intValue, minFrequency: (c["min_frequency"] as! NSNumber).intValue,
                specials: c["special_tokens"] as! [String],
                normalization: BPETrainer.Normalization(rawValue: c["normalization"] as! String)!,
                vocabCount: (c["vocab_count"] as! NSNumber).intValue,
                merges: (c["merges"] as! [[String]]).map { $0.map { Array($0.utf8) } },
                heldOutIDs: (c["held_out_ids"] as! [NSNumber]).map(\.intValue),
                digits: (c["digits_text"] as? String).map { ($0, (c["tiktoken_regex_digit_ids"] as! [NSNumber]).map(\.intValue)) })
        }
        return (root["held_out"] as! String, cases)
    }()

    var trainer: BPETrainer {
        BPETrainer(vocabularySize: vocabSize, pattern: pattern, minFrequency: minFrequency, specialTokens: specials,
                   normalization: normalization)
    }
}

/// s as the body of a JSON string (backslashes doubled; the patterns have no quotes).
func jsonEscaped(_ s: String) -> String { s.replacingOccurrences(of: "\\", with: "\\\\") }

let corpusPath = TestFiles.fixture("train/corpus.txt.zst").path

/// The merges of a trained vocabulary as tokenizer.json writes them (byte-level strings, as bytes:
/// compared byte for byte, not as canonically equivalent Strings).
func savedMerges(_ r: TrainedBPE) throws -> [[[UInt8]]] {
    let json = try _readJSONValue(Data(r.huggingFaceJSON().utf8)) as! [String: Any]
    let model = json["model"] as! [String: Any]
    return (model["merges"] as! [[String]]).map { $0.map { Array($0.utf8) } }
}

@Suite("BPE training, against tokenizers' BpeTrainer")
struct BPETrainingTests {
    @Test("the same merges, vocabulary size and held-out ids as tokenizers", arguments: TrainCase.fixture.cases)
    func sameAsReference(_ c: TrainCase) throws {
        let r = try c.trainer.train(files: [corpusPath])
        #expect(r.tokens.count == c.vocabCount)
        let merges = try savedMerges(r)
        #expect(merges.count == c.merges.count)
        if let k = (0..<min(merges.count, c.merges.count)).first(where: { merges[$0] != c.merges[$0] }) {
            Issue.record("merge \(k) differs: \(merges[k].map { String(decoding: $0, as: UTF8.self) }) vs tokenizers' \(c.merges[k].map { String(decoding: $0, as: UTF8.self) })")
        }
        // Tok's own tokenizer.json, loaded by Tok's Hugging Face pipeline, encodes held-out text
        // to the ids the reference-trained tokenizer gives.
        let tok = try Tokenizer(huggingFaceJSON: Data(r.huggingFaceJSON().utf8))
        let ids = try tok.encode(TrainCase.fixture.heldOut)
        #expect(ids.count == c.heldOutIDs.count)
        if let k = (0..<min(ids.count, c.heldOutIDs.count)).first(where: { ids[$0] != c.heldOutIDs[$0] }) {
            Issue.record("held-out id \(k) differs: \(ids[k..<min(k + 8, ids.count)]) vs tokenizers' \(c.heldOutIDs[k..<min(k + 8, c.heldOutIDs.count)])")
        }
        // A tokenizer.json holding tiktoken's own cl100k string is read as tokenizers reads it:
        // Oniguruma takes `\p{N}{1,3}+` for runs of digits of any length.
        if let (text, expected) = c.digits, let p = c.pattern {
            let json = r.huggingFaceJSON().replacingOccurrences(of: jsonEscaped(p.onigurumaRegex), with: jsonEscaped(p.regex))
            #expect(json != r.huggingFaceJSON())
            #expect(try Tokenizer(huggingFaceJSON: Data(json.utf8)).encode(text) == expected)
            // Written as Tok writes it, the pattern keeps tiktoken's 3-digit groups.
            #expect(try tok.encode(text) != expected)
        }
    }

    @Test("the .tiktoken form loads in Tok's encoder and round-trips every byte")
    func tiktokenForm() throws {
        let c = TrainCase.fixture.cases.first { $0.name == "cl100k_specials_min3" }!
        let r = try c.trainer.train(files: [corpusPath])
        let tok = try r.tokenizer()
        #expect(tok.vocabularySize == r.tokens.count)
        let held = TrainCase.fixture.heldOut
        #expect(try tok.decodeBytes(try tok.encode(held)) == Array(held.utf8))
        // Ids in the tiktoken form are ranks: bytes and merged tokens shifted down past the
        // special tokens, which move after the last rank.
        #expect(r.tiktokenSpecialTokens["<|endoftext|>"] == r.tokens.count - 2)
        #expect(try tok.encode("a<|endoftext|>", allowedSpecial: .all).last == r.tokens.count - 2)
        var rng = SeededRandom(seed: 7)
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(try tok.decodeBytes(tok.encode(bytes: bytes)) == bytes)
        }
        // The tiktoken file itself parses back to the same tokens.
        let again = try Tokenizer(tiktokenData: r.tiktokenFile(), pattern: .cl100k)
        #expect(again.vocabularySize == r.tokens.count - r.specialTokenCount)
    }

    @Test("special tokens in the corpus are cut out, never counted")
    func specialsCutOut() throws {
        let t = BPETrainer(vocabularySize: 300, pattern: .r50k, specialTokens: ["<|endoftext|>"])
        let joined = try t.train(texts: [Array("low lower lowest<|endoftext|>newer newest new".utf8)])
        let apart = try t.train(texts: [Array("low lower lowest".utf8), Array("newer newest new".utf8)])
        #expect(joined.merges == apart.merges)
        #expect(!joined.tokens.contains(Array("endoftext".utf8)))
        // Without the special token, its text is ordinary text and gets merged.
        let plain = BPETrainer(vocabularySize: 300, pattern: .r50k)
        let withText = try plain.train(texts: [Array("<|endoftext|><|endoftext|>".utf8)])
        #expect(withText.tokens.contains(Array("endoftext".utf8)))
    }

    @Test("a hand-checked corpus: counts, ties to the smallest ids, min frequency")
    func handChecked() throws {
        // Pieces (gpt2): "aaab" ×1, " aaab" ×1, " ab" ×2. Byte ids follow GPT-2's order:
        // printable ASCII from '!' = 0, so 'a' = 64, 'b' = 65, ' ' (0x20) = 220.
        let t = BPETrainer(vocabularySize: 260, pattern: .r50k, minFrequency: 2)
        let r = try t.train(texts: [Array("aaab aaab ab ab".utf8)])
        // Pairs: (a,a) 4, (a,b) 4, (' ',a) 3: the tie (a,a)=(64,64) < (a,b)=(64,65) goes first.
        #expect(r.merges.first.map { [r.tokens[$0.left], r.tokens[$0.right]] } == [[0x61], [0x61]])
        #expect(r.merges.first?.count == 4)
        #expect(r.merges.count >= 2)
        // min frequency 2 ends training before pairs seen once.
        #expect(r.merges.allSatisfy { $0.count >= 2 })
        let once = try BPETrainer(vocabularySize: 400, pattern: .r50k, minFrequency: 0).train(texts: [Array("aaab aaab ab ab".utf8)])
        #expect(once.merges.count > r.merges.count)
        // The vocabulary never has more than the corpus allows: it stops when no pair is left.
        #expect(once.tokens.count < 400)
    }

    @Test("bad input: clear errors")
    func badInput() throws {
        #expect(throws: TokError.self) { try BPETrainer(vocabularySize: 100).train(texts: [Array("abc".utf8)]) }
        #expect(throws: TokError.self) { try BPETrainer(vocabularySize: 1000).train(texts: []) }
        #expect(throws: TokError.self) { try BPETrainer(vocabularySize: 1000).train(texts: [[]]) }
        #expect(throws: TokError.self) { try BPETrainer(vocabularySize: 1000).train(files: ["/nonexistent/corpus"]) }
        #expect(throws: TokError.self) {
            try BPETrainer(vocabularySize: 1000, specialTokens: ["x", "x"]).train(texts: [Array("abc".utf8)])
        }
        do {
            _ = try BPETrainer(vocabularySize: 10).train(texts: [Array("abc".utf8)])
        } catch {
            #expect(error.description.contains("smaller than the 256"))
        }
    }

    @Test("random and adversarial bytes: training never fails and every byte stays encodable")
    func randomBytes() throws {
        var rng = SeededRandom(seed: 11)
        for round in 0..<6 {
            let n = Int.random(in: 2000..<6000, using: &rng)
            var bytes = (0..<n).map { _ in round.isMultiple(of: 2) ? UInt8.random(in: 0...255, using: &rng) : UInt8.random(in: 0x61...0x68, using: &rng) }
            if round == 5 { bytes = [UInt8](repeating: 0x61, count: n) } // one long run: (a,a) overlaps
            let pattern: SplitPattern? = round < 3 ? .o200k : nil
            let r = try BPETrainer(vocabularySize: 600, pattern: pattern).train(texts: [bytes])
            #expect(Set(r.tokens).count == r.tokens.count) // distinct tokens
            let tok = try Tokenizer(huggingFaceJSON: Data(r.huggingFaceJSON().utf8))
            #expect(try tok.decodeBytes(tok.encode(bytes: bytes)) == bytes)
        }
    }
}

@Suite("SuperBPE")
struct SuperBPETests {
    @Test("stage 1 is ordinary BPE; stage 2 adds tokens that span words, within SuperBPE's limits")
    func superTokens() throws {
        let trainer = SuperBPETrainer(vocabularySize: 2400, transition: 1600, pattern: .r50k)
        let r = try trainer.train(files: [corpusPath])
        let one = try BPETrainer(vocabularySize: 1600, pattern: .r50k).train(files: [corpusPath])
        #expect(r.firstStage.merges == one.merges)
        #expect(Array(r.superBPE.merges.prefix(one.merges.count)) == one.merges)
        #expect(r.superBPE.tokens.count == 2400)
        func words(_ t: [UInt8]) -> Int {
            var n = 0
            for (i, b) in t.enumerated() where !isSpace(b) && (i == 0 || isSpace(t[i - 1])) { n += 1 }
            return n
        }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
        let added = r.superBPE.tokens[1600...]
        let multiword = added.filter { words($0) >= 2 }
        #expect(multiword.count > 50, "stage 2 should learn tokens that cross spaces")
        #expect(added.allSatisfy { words($0) <= 4 })
        #expect(!added.contains { t in t.indices.dropLast().contains { t[$0] == 0x3A && t[$0 + 1] == 0x20 } })
        // Held-out text takes fewer tokens, and both forms round-trip it.
        let held = TrainCase.fixture.heldOut
        let before = try r.firstStage.tokenizer().encode(held)
        let after = try r.superBPE.tokenizer().encode(held)
        #expect(after.count < before.count)
        #expect(try r.superBPE.tokenizer().decodeBytes(after) == Array(held.utf8))
        let viaJSON = try Tokenizer(huggingFaceJSON: Data(r.superBPE.huggingFaceJSON().utf8))
        #expect(try viaJSON.decodeBytes(viaJSON.encode(held)) == Array(held.utf8))
    }

    @Test("the word limit and the ': ' rule hold where the corpus begs to break them")
    func wordRule() throws {
        // Each line repeats a 7-word phrase and a "key: value" pair: without the rules, stage 2
        // would merge whole lines.
        let line = "everyone has the right to life and name: value\n"
        let text = Array(String(repeating: line, count: 200).utf8)
        for maxWords in [2, 4] {
            let r = try SuperBPETrainer(vocabularySize: 420, transition: 300, maxWordsPerToken: maxWords).train(texts: [text])
            let added = r.superBPE.tokens[r.firstStage.tokens.count...]
            #expect(added.count >= 3)
            func words(_ t: [UInt8]) -> Int { String(decoding: t, as: UTF8.self).split(whereSeparator: \.isWhitespace).count }
            #expect(added.contains { words($0) == maxWords }, "tokens up to the limit are learned")
            #expect(added.allSatisfy { words($0) <= maxWords })
            #expect(!added.contains { String(decoding: $0, as: UTF8.self).contains(": ") })
            let free = try SuperBPETrainer(vocabularySize: 420, transition: 300, maxWordsPerToken: 99, forbidColonSpace: false).train(texts: [text])
            #expect(free.superBPE.tokens[free.firstStage.tokens.count...].contains { String(decoding: $0, as: UTF8.self).contains(": ") })
        }
    }

    @Test("the superword pattern: digit groups from the right, runs of 2+ symbols and spaces isolated")
    func superwordPieces() throws {
        let text = Array("by the way, 1234567 items!! and  more".utf8)
        let r = try SuperBPETrainer(vocabularySize: 300, transition: 256).train(texts: [text, text, text])
        for t in r.superBPE.tokens[256...] {
            // No token mixes a digit group boundary, two spaces or two symbols with other text.
            let s = String(decoding: t, as: UTF8.self)
            #expect(!s.contains("  ") || s.allSatisfy { $0 == " " })
            #expect(!s.contains("!!") || s.allSatisfy { $0 == "!" })
            #expect(!["1234", "2345", "3456", "4567"].contains { s.contains($0) })
        }
    }
}

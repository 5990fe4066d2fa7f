import Foundation
import Testing
import TokCore
import TokTestSupport
import TokTrain

/// One character-level case of Tests/Fixtures/train/expected.json: `tokenizers`' BpeTrainer on
/// characters (tools/make_train_fixtures.py, CHAR_CASES).
struct CharTrainCase: CustomTestStringConvertible, Sendable {
    let name: String
    let pattern: SplitPattern?
    let maxChars: Int
    let vocabSize: Int
    let minFrequency: Int
    let specials: [String]
    let alphabet: String
    let vocabCount: Int
    let merges: [[String]]
    let heldOut: String
    let heldOutTokens: [String]
    var testDescription: String { name }

    static let fixture: [CharTrainCase] = {
        let data = try! Data(contentsOf: TestFiles.fixture("train/expected.json"))
        let root = try! _readJSONValue(data) as! [String: Any]
        return (root["char_cases"] as! [[String: Any]]).map { c in
            let p = c["pattern"] as! String
            return CharTrainCase(
                name: c["name"] as! String, pattern: p == "none" ? nil : SplitPattern(name: p)!,
                maxChars: (c["max_chars"] as! NSNumber).intValue, vocabSize: (c["vocab_size"] as! NSNumber).intValue,
                minFrequency: (c["min_frequency"] as! NSNumber).intValue, specials: c["special_tokens"] as! [String],
                alphabet: c["alphabet"] as! String, vocabCount: (c["vocab_count"] as! NSNumber).intValue,
                merges: c["merges"] as! [[String]], heldOut: c["held_out_text"] as! String,
                heldOutTokens: c["held_out_tokens"] as! [String])
        }
    }()

    /// A trainer with room for more merges than tokenizers made (its vocabulary has no bytes or
    /// partial characters), so that the reference's merges are a prefix of Tok's.
    var trainer: CharBPETrainer {
        CharBPETrainer(vocabularySize: vocabSize + 1000, maxCharacters: maxChars, pattern: pattern,
                       minFrequency: minFrequency, specialTokens: specials, alphabet: Array(alphabet.unicodeScalars))
    }
}

/// Characters in a byte string (as the trainer counts them: a leading partial character is one).
func characters(_ t: [UInt8]) -> Int {
    t.filter { $0 & 0xC0 != 0x80 }.count + (t.first.map { $0 & 0xC0 == 0x80 ? 1 : 0 } ?? 0)
}

@Suite("Character-level BPE, against tokenizers' BpeTrainer on characters")
struct CharBPETests {
    @Test("after the alphabet, the same merges as tokenizers; held-out text cut into the same tokens",
          arguments: CharTrainCase.fixture)
    func sameAsReference(_ c: CharTrainCase) throws {
        let r = try c.trainer.train(files: [corpusPath])
        // Merges that build alphabet characters from bytes come first; the rest are tokenizers'.
        let all = r.huggingFaceMerges.map { [r.tokens[$0.left], r.tokens[$0.right]] }
        let trained = all.filter { characters($0[0] + $0[1]) > 1 }
        #expect(all.prefix(all.count - trained.count).allSatisfy { characters($0[0] + $0[1]) == 1 })
        let ours = trained.map { $0.map { String(decoding: $0, as: UTF8.self) } }
        #expect(ours.count > c.merges.count, "the reference stopped at its vocabulary size, Tok had room for more")
        if let k = (0..<min(ours.count, c.merges.count)).first(where: { ours[$0] != c.merges[$0] }) {
            Issue.record("merge \(k) differs: \(ours[k]) vs tokenizers' \(c.merges[k])")
        }
        // Alphabet: every character tokenizers has, and the special tokens first.
        #expect(r.specialTokens == c.specials)
        let ids = Dictionary(r.tokens.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for ch in c.alphabet.unicodeScalars { #expect(ids[Array(String(ch).utf8)] != nil, "\(ch) is in the alphabet") }
        // Retrained to the reference's merge count, both forms cut held-out text as tokenizers does.
        var exact = c.trainer
        // (Tokens before any merge, Tok's and tokenizers': vocabulary minus the tokens merges made.)
        let ourInitial = r.tokens.count - Set(trained.map { $0[0] + $0[1] }).count
        let theirInitial = c.vocabCount - Set(c.merges.map { $0.joined() }).count
        exact.vocabularySize = c.vocabCount + ourInitial - theirInitial
        let e = try exact.train(files: [corpusPath])
        let viaJSON = try Tokenizer(huggingFaceJSON: Data(e.huggingFaceJSON().utf8))
        var forms = [("tokenizer.json", viaJSON)]
        if c.pattern != nil { forms.append(("tiktoken", try e.tokenizer())) }
        for (form, tok) in forms {
            let pieces = try tok.encode(c.heldOut).map { String(decoding: try tok.decodeBytes([$0]), as: UTF8.self) }
            #expect(pieces.count == c.heldOutTokens.count, "\(form)")
            if let k = (0..<min(pieces.count, c.heldOutTokens.count)).first(where: { pieces[$0] != c.heldOutTokens[$0] }) {
                Issue.record("\(form): held-out token \(k) differs: \(pieces[k..<min(k + 6, pieces.count)]) vs tokenizers' \(c.heldOutTokens[k..<min(k + 6, c.heldOutTokens.count)])")
            }
        }
    }

    @Test("tokens have at most N characters; every byte 0x00-0xFF and unseen characters round-trip")
    func limitsAndBytes() throws {
        for n in [3, 4] {
            let r = try CharBPETrainer(vocabularySize: 2500, maxCharacters: n).train(files: [corpusPath])
            #expect(r.tokens.count == 2500)
            #expect(r.tokens.allSatisfy { characters($0) <= n })
            #expect(r.tokens.contains { characters($0) == n })
            for form in [try r.tokenizer(), try Tokenizer(huggingFaceJSON: Data(r.huggingFaceJSON().utf8))] {
                for b in 0...255 {
                    let ids = try form.encode(bytes: [UInt8(b)])
                    #expect(try form.decodeBytes(ids) == [UInt8(b)], "byte \(b)")
                }
            }
            // Any bytes in the tiktoken form (the tokenizer.json form NFKC-normalizes its input first).
            let tok = try r.tokenizer()
            let all = (0...255).map { UInt8($0) }
            #expect(try tok.decodeBytes(tok.encode(bytes: all + all.reversed())) == all + all.reversed())
            var rng = SeededRandom(seed: UInt64(n))
            for _ in 0..<200 {
                let bytes = (0..<Int.random(in: 0..<48, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                #expect(try tok.decodeBytes(tok.encode(bytes: bytes)) == bytes)
            }
            // Characters the corpus never had still encode (as bytes).
            let unseen = "𝕏 ꙮ 🜁"
            #expect(try r.tokenizer().decode(r.tokenizer().encode(unseen)) == unseen)
        }
    }

    @Test("a limited alphabet keeps the most frequent characters; the others stay bytes and round-trip")
    func limitedAlphabet() throws {
        let text = Array("ééééé èèè ê aaa 中".utf8)
        let r = try CharBPETrainer(vocabularySize: 400, maxCharacters: 2, minFrequency: 2, alphabet: ["€"], alphabetLimit: 5).train(texts: [text])
        let single = Set(r.tokens.filter { characters($0) == 1 && $0.count > 1 && String(validating: $0, as: UTF8.self) != nil })
        // The 5: '€' (given), then 'é' 5, 'a' 3, 'è' 3, and ' ' 4 — not 'ê' (1) or '中' (1).
        #expect(single.contains(Array("é".utf8)) && single.contains(Array("è".utf8)) && single.contains(Array("€".utf8)))
        #expect(!single.contains(Array("ê".utf8)) && !single.contains(Array("中".utf8)))
        let tok = try r.tokenizer()
        #expect(try tok.decodeBytes(tok.encode(bytes: text)) == text)
        // Ids: the alphabet in code point order right after the special tokens.
        #expect(r.tokens.prefix(5) == [[0x20], [0x61], Array("è".utf8), Array("é".utf8), Array("€".utf8)])
    }

    @Test("padding to a power of two with whitespace runs, each run one token")
    func padding() throws {
        let base = try CharBPETrainer(vocabularySize: 3500, maxCharacters: 3).train(files: [corpusPath])
        let r = try CharBPETrainer(vocabularySize: 3500, maxCharacters: 3, padToPowerOfTwo: true).train(files: [corpusPath])
        #expect(r.tokens.count == 4096)
        #expect(Array(r.merges.prefix(base.merges.count)) == base.merges)
        let added = r.tokens[base.tokens.count...]
        #expect(added.allSatisfy { t in t.allSatisfy { $0 == 0x20 } || t.allSatisfy { $0 == 0x0A } })
        for form in [try r.tokenizer(), try Tokenizer(huggingFaceJSON: Data(r.huggingFaceJSON().utf8))] {
            for t in added {
                let ids = try form.encode(bytes: t)
                #expect(ids.count == 1, "\(t.count) × \(t[0])")
            }
        }
        // Already a power of two: nothing to add.
        let exact = try CharBPETrainer(vocabularySize: 4096, maxCharacters: 3, padToPowerOfTwo: true).train(files: [corpusPath])
        #expect(exact.tokens.count == 4096 && exact.merges.allSatisfy { $0.count > 0 })
    }

    @Test("bad input: a vocabulary smaller than the alphabet, empty corpus, bad limits")
    func badInput() throws {
        do {
            _ = try CharBPETrainer(vocabularySize: 300).train(files: [corpusPath])
            Issue.record("a 300-token vocabulary cannot hold the corpus's alphabet")
        } catch {
            #expect(error.description.contains("smaller than the alphabet"))
        }
        #expect(throws: TokError.self) { try CharBPETrainer(vocabularySize: 1000).train(texts: [[]]) }
        #expect(throws: TokError.self) { try CharBPETrainer(vocabularySize: 1000, maxCharacters: 0).train(texts: [Array("ab".utf8)]) }
        #expect(throws: TokError.self) {
            try CharBPETrainer(vocabularySize: 1000, alphabet: ["a", "b", "c"], alphabetLimit: 2).train(texts: [Array("ab".utf8)])
        }
    }
}

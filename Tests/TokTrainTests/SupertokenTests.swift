import Foundation
import Testing
import TokCore
import TokTestSupport
import TokTrain

@Suite("TokenAdapt-style supertokens")
struct SupertokenTests {
    static var fixture: [String: Any] {
        let data = try! Data(contentsOf: TestFiles.fixture("train/expected.json"))
        return (try! _readJSONValue(data) as! [String: Any])["supertokens"] as! [String: Any]
    }

    @Test("from the same random chunks, the merges and held-out ids of tokenizers' BpeTrainer")
    func sameAsReference() throws {
        let c = Self.fixture
        let bins = (c["bins"] as! [[NSNumber]]).map { ChunkLengthDistribution.Bin($0[0].intValue, $0[1].intValue, $0[2].doubleValue) }
        let trainer = SupertokenTrainer(vocabularySize: (c["vocab_size"] as! NSNumber).intValue,
                                        chunkLengths: try ChunkLengthDistribution(bins), seed: (c["seed"] as! NSNumber).uint64Value,
                                        minFrequency: (c["min_frequency"] as! NSNumber).intValue, normalization: .none,
                                        maxTokenBytes: (c["max_token_length"] as! NSNumber).intValue - 1)
        let r = try trainer.train(files: [corpusPath])
        #expect(r.corpusPieces == (c["chunks"] as! NSNumber).intValue, "the same chunks as the fixture script drew")
        #expect(r.tokens.count == (c["vocab_count"] as! NSNumber).intValue)
        let merges = try savedMerges(r)
        let expected = (c["merges"] as! [[String]]).map { $0.map { Array($0.utf8) } }
        #expect(merges.count == expected.count)
        if let k = (0..<min(merges.count, expected.count)).first(where: { merges[$0] != expected[$0] }) {
            Issue.record("merge \(k) differs: \(merges[k].map { String(decoding: $0, as: UTF8.self) }) vs tokenizers' \(expected[k].map { String(decoding: $0, as: UTF8.self) })")
        }
        // The whole held-out text is one piece.
        let tok = try Tokenizer(huggingFaceJSON: Data(r.huggingFaceJSON().utf8))
        let ids = try tok.encode(TrainCase.fixture.heldOut)
        #expect(ids == (c["held_out_ids"] as! [NSNumber]).map(\.intValue))
        // Tokens span words.
        #expect(r.tokens.filter { t in t.dropFirst().dropLast().contains(0x20) }.count > 100)
    }

    @Test("chunk lengths: exact for a one-length distribution; the same seed, the same vocabulary, whatever the threads")
    func chunks() throws {
        let text = Array(String(repeating: "Chunks of five characters: é中 and more text here.\n", count: 40).utf8)
        let chars = String(decoding: text, as: UTF8.self).unicodeScalars.count
        let five = SupertokenTrainer(vocabularySize: 600, chunkLengths: try ChunkLengthDistribution(parsing: "5-5:1"), minFrequency: 0)
        let r = try five.train(texts: [text])
        #expect(r.corpusPieces == (chars + 4) / 5)
        #expect(r.tokens.allSatisfy { String(decoding: $0, as: UTF8.self).unicodeScalars.count <= 5 || String(validating: $0, as: UTF8.self) == nil })
        var one = SupertokenTrainer(vocabularySize: 2000, seed: 3)
        one.threads = 1
        var two = one
        two.threads = 2
        let a = try one.train(files: [corpusPath]), b = try two.train(files: [corpusPath])
        #expect(a.merges == b.merges)
        var other = two
        other.seed = 4
        #expect(try other.train(files: [corpusPath]).merges != a.merges)
        // Every byte round-trips through the tokenizer.json form.
        let tok = try Tokenizer(huggingFaceJSON: Data(a.huggingFaceJSON().utf8))
        var rng = SeededRandom(seed: 5)
        for _ in 0..<100 {
            let s = String(decoding: (0..<Int.random(in: 0..<80, using: &rng)).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) }, as: UTF8.self)
            #expect(try tok.decode(tok.encode(s)) == s)
        }
    }

    @Test("distributions: parsing and clear errors")
    func distributions() throws {
        let d = try ChunkLengthDistribution(parsing: "1-4:0.25, 5-8:0.75")
        #expect(d.bins == [.init(1, 4, 0.25), .init(5, 8, 0.75)])
        #expect(abs(d.mean - (0.25 * 2.5 + 0.75 * 6.5)) < 1e-12)
        // TokenAdapt's published weights sum to 1.1; they are used normalized.
        #expect(abs(ChunkLengthDistribution.tokenAdapt.totalProbability - 1.1) < 1e-9)
        #expect(abs(ChunkLengthDistribution.tokenAdapt.mean - 12.6) < 1e-9)
        for bad in ["", "0-3:1", "5-3:1", "4-5", "a-b:1", "4-5:-1", "4-5:0"] {
            #expect(throws: TokError.self, "\(bad)") { try ChunkLengthDistribution(parsing: bad) }
        }
    }
}

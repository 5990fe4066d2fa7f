import Foundation
import Testing
import TokCore
import TokTestSupport

/// Identical ids to tiktoken 0.14.0 on the fixtures tools/make_fixtures.py made with it.
@Suite struct ParityTests {
    static let encodings = ["r50k_base", "cl100k_base", "o200k_base"]

    @Test(arguments: encodings)
    func fixturesMatchTiktoken(name: String) throws {
        let tok = try Tokenizer(named: name)
        let cases = try TestFiles.jsonLines("tiktoken_\(name).jsonl")
        #expect(cases.count > 2000)
        var mismatches = 0
        for c in cases {
            let text = c["text"] as! String
            let expected = (c["ids"] as! [NSNumber]).map(\.intValue)
            let ids = tok.encodeOrdinary(text)
            if ids != expected {
                mismatches += 1
                if mismatches <= 3 { Issue.record("\(name): \(text.debugDescription.prefix(80)): \(ids.prefix(12)) != \(expected.prefix(12))") }
            }
            #expect(try tok.decode(ids) == text)
        }
        #expect(mismatches == 0)
    }

    @Test(arguments: encodings)
    func offsetsTileTheInputAndMatchTokenBytes(name: String) throws {
        let tok = try Tokenizer(named: name)
        let cases = try TestFiles.jsonLines("tiktoken_\(name).jsonl")
        for c in cases.prefix(600) {
            let text = c["text"] as! String
            let bytes = Array(text.utf8)
            let enc = try tok.encodeWithOffsets(text, disallowedSpecial: .none)
            #expect(enc.ids == tok.encodeOrdinary(text))
            #expect(enc.byteRanges.count == enc.ids.count)
            var pos = 0
            for (id, r) in zip(enc.ids, enc.byteRanges) {
                #expect(r.lowerBound == pos)
                #expect(Array(bytes[r]) == (try tok.tokenBytes(id)))
                pos = r.upperBound
            }
            #expect(pos == bytes.count)
        }
    }

    @Test func knownIDs() throws {
        let cl = try Tokenizer(named: "cl100k_base")
        #expect(cl.encodeOrdinary("Hello, world!") == [9906, 11, 1917, 0])
        #expect(cl.encodeOrdinary("hello world") == [15339, 1917])
        let o = try Tokenizer(named: "o200k_base")
        #expect(o.encodeOrdinary("hello world") == [24912, 2375])
        let r = try Tokenizer(named: "gpt2")
        #expect(r.encodeOrdinary("hello world") == [31373, 995])
        #expect(r.name == "r50k_base")
    }

    @Test func vocabularySizesAreTiktokens() throws {
        #expect(try Tokenizer(named: "r50k_base").vocabularySize == 50257)
        #expect(try Tokenizer(named: "cl100k_base").vocabularySize == 100277)
        #expect(try Tokenizer(named: "o200k_base").vocabularySize == 200019)
        #expect(try Tokenizer(named: "cl100k_base").mergeableCount == 100256)
    }
}

/// The Llama-3, Qwen and Mistral Tekken split patterns, pinned with the shipped cl100k ranks (fixtures from
/// tiktoken with the same ranks and each model's regex; tools/make_fixtures.py).
@Suite struct PatternParityTests {
    @Test(arguments: [("llama3", SplitPattern.llama3), ("qwen2", .qwen2), ("qwen3_5", .qwen3_5), ("tekken", .tekken)])
    func scannerMatchesTheRegex(name: String, pattern: SplitPattern) throws {
        let path = TestFiles.root.appendingPathComponent("vocab/cl100k_base.tiktoken.zst").path
        let tok = try Tokenizer(tiktokenFile: path, pattern: pattern)
        let cases = try TestFiles.jsonLines("pattern_\(name).jsonl")
        #expect(cases.count > 2000)
        var mismatches = 0
        for c in cases {
            let text = c["text"] as! String
            let expected = (c["ids"] as! [NSNumber]).map(\.intValue)
            if tok.encodeOrdinary(text) != expected {
                mismatches += 1
                if mismatches <= 3 { Issue.record("\(name): \(text.debugDescription.prefix(60))") }
            }
        }
        #expect(mismatches == 0)
    }
}

import Foundation
import Testing
import TokCore
import TokTestSupport

/// Byte, scalar and grapheme tokenizers: exact round trips, id conventions, ICU's clusters.
@Suite struct CharacterTokenizerTests {
    @Test func byT5Ids() throws {
        let t = try Tokenizer.bytes()
        #expect(t.encodeOrdinary("Hi é") == [75, 108, 35, 198, 172])
        #expect(try t.encode("a</s>", allowedSpecial: .all) == [100, 1])
        #expect(t.vocabularySize == 259)
        #expect(try t.decode([75, 108, 1]) == "Hi</s>")
        #expect(throws: TokError.self) { try t.decodeBytes([259]) }
        #expect(t.id(forBytes: [0xFF]) == 258)
        #expect(throws: TokError.self) { try Tokenizer.bytes(offset: 0, specialTokens: ["<pad>": 5]) }
    }

    @Test func scalarIds() throws {
        let t = try Tokenizer.scalars(specialTokens: ["<eos>": 0x110000])
        #expect(t.encodeOrdinary("aé😀") == [0x61, 0xE9, 0x1F600])
        // Ill-formed bytes: each is 0xD800 + byte; a truncated sequence is its bytes.
        #expect(t.encodeOrdinary(bytes: [0x61, 0xFF, 0xE2, 0x82, 0x62]) == [0x61, 0xD8FF, 0xD8E2, 0xD882, 0x62])
        #expect(try t.encode("x<eos>", allowedSpecial: .all) == [0x78, 0x110000])
        #expect(try t.tokenBytes(0x1F600) == Array("😀".utf8))
        #expect(throws: TokError.self) { try t.tokenBytes(0xDC00) }
        #expect(throws: TokError.self) { try Tokenizer.scalars(specialTokens: ["<x>": 65]) }
        let enc = try t.encodeWithOffsets("aé😀")
        #expect(enc.byteRanges == [0..<1, 1..<3, 3..<7])
    }

    @Test func graphemeVocabulary() throws {
        let t = try Tokenizer.graphemes(vocabulary: ["e\u{301}", "\r\n", "👨‍👩‍👧"])
        let text = "e\u{301}x\r\n👨‍👩‍👧y\u{301}"
        let ids = t.encodeOrdinary(text)
        #expect(ids == [0x110000, 0x78, 0x110001, 0x110002, 0x79, 0x301])
        #expect(try t.decode(ids) == text)
        #expect(t.preTokenize(bytes: Array("e\u{301}x".utf8)) == [0..<3, 3..<4])
        #expect(throws: TokError.self) { try Tokenizer.graphemes(vocabulary: ["a", "a"]) }
    }

    @Test(arguments: ["bytes", "chars", "graphemes"])
    func randomBytesRoundTrip(kind: String) throws {
        let t = kind == "bytes" ? try Tokenizer.bytes() : kind == "chars" ? try Tokenizer.scalars()
            : try Tokenizer.graphemes(vocabulary: ["e\u{301}", "\r\n"])
        var rng = SeededRandom(seed: 0xC4A2)
        for _ in 0..<300 {
            var bytes = rng.bytes(Int.random(in: 0...200, using: &rng))
            bytes += Array(rng.unicodeString(60).utf8)
            let enc = try t.encodeWithOffsets(bytes: bytes, disallowedSpecial: .none)
            #expect(try t.decodeBytes(enc.ids) == bytes)
            #expect(enc.byteRanges.last?.upperBound ?? 0 == bytes.count)
            if kind != "graphemes" { #expect(t.preTokenize(bytes: bytes) == enc.byteRanges) }   // one id per unit
            var stream = t.makeStreamingDecoder()
            var text = ""
            for id in enc.ids { text += try stream.push(id) }
            let rest = stream.finish()
            #expect(Array((text + rest.text).utf8) == Array(String(decoding: bytes, as: UTF8.self).utf8))
        }
    }

    /// Unicode's GraphemeBreakTest (15.0, the version of Debian's ICU 72) against ICU's clusters.
    @Test func unicodeGraphemeBreakTest() throws {
        let t = try Tokenizer.graphemes()
        let lines = try String(contentsOf: TestFiles.fixture("GraphemeBreakTest.txt"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count > 600)
        var failures = 0
        for line in lines {
            let (bytes, want) = parseBreakTestCase(line)
            let got = t.preTokenize(bytes: bytes).map(\.upperBound)
            if got != want {
                failures += 1
                if failures < 5 { Issue.record("\(line): \(got) != \(want)") }
            }
        }
        #expect(failures == 0)
    }

    @Test func namedThroughTheCLILoader() throws {
        // Built-in BPE names keep working; character-level tokenizers have no pattern.
        #expect(try Tokenizer(named: "cl100k_base").pattern == .cl100k)
        #expect(try Tokenizer.bytes().pattern == nil)
    }
}

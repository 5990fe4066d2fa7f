import Testing
import TokCore

@Suite struct DecodingTests {
    let cl = try! Tokenizer(named: "cl100k_base")

    @Test func unknownIDsAreErrorsNamingTheID() {
        for bad in [100261, 100256 + 100_000, -1, Int(UInt32.max) + 5] {
            do {
                _ = try cl.decodeBytes([9906, bad])
                Issue.record("decoded unknown id \(bad)")
            } catch {
                #expect(error.code == .unknownID)
                #expect(error.description.contains("\(bad)"))
                #expect(error.location?.contains("position 1") == true)
            }
        }
        #expect(throws: TokError.self) { try cl.tokenBytes(100261) }
    }

    @Test func specialTokensDecode() throws {
        #expect(try cl.decode([100257]) == "<|endoftext|>")
        #expect(try cl.tokenBytes(100276) == Array("<|endofprompt|>".utf8))
    }

    @Test func invalidUTF8Policy() throws {
        // "😀" is split over tokens; its first token alone is not valid UTF-8
        let ids = cl.encodeOrdinary("😀")
        #expect(ids.count > 1)
        let first = [ids[0]]
        #expect(try cl.decode(first, invalidUTF8: .replace).unicodeScalars.allSatisfy { $0 == "\u{FFFD}" })
        do {
            _ = try cl.decode(first, invalidUTF8: .strict)
            Issue.record("strict decode accepted invalid UTF-8")
        } catch {
            #expect(error.code == .invalidUTF8)
            #expect(error.location == "byte 0")
        }
    }

    @Test func streamingDecoderHoldsBackPartialCharacters() throws {
        let text = "Größe: 😀👍🏽 中文 naïve — done"
        let ids = cl.encodeOrdinary(text)
        var stream = cl.makeStreamingDecoder(invalidUTF8: .strict)
        var out = ""
        var sawEmptyChunk = false
        for id in ids {
            let chunk = try stream.push(id)
            if chunk.isEmpty { sawEmptyChunk = true }
            out += chunk
            #expect(Array(text.utf8).starts(with: Array(out.utf8)))
        }
        #expect(sawEmptyChunk) // some token ended inside a character
        #expect(stream.finish().isEmpty)
        #expect(out == text)
    }

    @Test func streamingDecoderReportsLeftovers() throws {
        let ids = cl.encodeOrdinary("a😀")
        var stream = cl.makeStreamingDecoder()
        let text = try stream.push(contentsOf: Array(ids.dropLast()))
        #expect(text == "a")
        let rest = stream.finish()
        #expect(!rest.isEmpty)
        #expect(rest.bytes == Array(Array("😀".utf8).prefix(rest.bytes.count)))
        #expect(rest.text == "\u{FFFD}")
        // after finish the decoder starts afresh
        #expect(try stream.push(contentsOf: ids) == "a😀")
    }

    @Test func streamingDecoderReplacesInvalidBytesAtOnce() throws {
        let ids = cl.encodeOrdinary(bytes: [0x61, 0xFF, 0x62])
        var stream = cl.makeStreamingDecoder()
        var out = ""
        for id in ids { out += try stream.push(id) }
        #expect(out == "a\u{FFFD}b")
        var strict = cl.makeStreamingDecoder(invalidUTF8: .strict)
        #expect(throws: TokError.self) { for id in ids { _ = try strict.push(id) } }
    }
}

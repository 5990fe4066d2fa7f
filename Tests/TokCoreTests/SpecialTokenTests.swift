import Testing
import TokCore

@Suite struct SpecialTokenTests {
    let cl = try! Tokenizer(named: "cl100k_base")

    @Test func allowedSpecialTokensAreRecognized() throws {
        let ids = try cl.encode("a<|endoftext|>b", allowedSpecial: .all)
        #expect(ids == cl.encodeOrdinary("a") + [100257] + cl.encodeOrdinary("b"))
        let only = try cl.encode("<|fim_prefix|>x<|endoftext|>", allowedSpecial: .only(["<|fim_prefix|>", "<|endoftext|>"]))
        #expect(only == [100258] + cl.encodeOrdinary("x") + [100257])
    }

    @Test func disallowedSpecialTokenTextThrowsWithItsOffset() {
        #expect(throws: TokError.self) { try cl.encode("hi <|endoftext|>") }
        do {
            _ = try cl.encode("hi <|endoftext|>")
        } catch {
            #expect(error.code == .disallowedSpecialToken)
            #expect(error.location == "byte 3")
            #expect(error.message.contains("<|endoftext|>"))
        }
        // allowing one special does not allow another
        #expect(throws: TokError.self) { try cl.encode("<|fim_middle|>", allowedSpecial: .only(["<|endoftext|>"])) }
    }

    @Test func disallowedNoneEncodesSpecialTextAsText() throws {
        let ids = try cl.encode("<|endoftext|>", disallowedSpecial: .none)
        #expect(ids == cl.encodeOrdinary("<|endoftext|>"))
        #expect(!ids.contains(100257))
        #expect(try cl.decode(ids) == "<|endoftext|>")
    }

    @Test func segmentsAreSplitAtSpecialTokensLikeTiktoken() throws {
        // the text before a special token ends there: `\s++$` applies to it (tiktoken splits the
        // text at special tokens and runs the regex on each part)
        let ids = try cl.encode("x  \n<|endoftext|>  y", allowedSpecial: .all)
        #expect(ids == cl.encodeOrdinary("x  \n") + [100257] + cl.encodeOrdinary("  y"))
        #expect(try cl.decode(ids) == "x  \n<|endoftext|>  y")
    }

    @Test func offsetsIncludeSpecialTokens() throws {
        let enc = try cl.encodeWithOffsets("ab<|endoftext|>cd", allowedSpecial: .all)
        let k = enc.ids.firstIndex(of: 100257)!
        #expect(enc.byteRanges[k] == 2..<15)
        #expect(enc.byteRanges.last!.upperBound == 17)
    }
}

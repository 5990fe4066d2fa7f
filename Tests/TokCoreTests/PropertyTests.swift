import Foundation
import Testing
import TokCore
import TokTestSupport

/// Round trips and agreement with the naive reference BPE, over random and adversarial input.
@Suite struct PropertyTests {
    @Test(arguments: ["r50k_base", "cl100k_base", "o200k_base"])
    func randomBytesRoundTrip(name: String) throws {
        let tok = try Tokenizer(named: name)
        var rng = SeededRandom(seed: 0x5EED_0001)
        for _ in 0..<300 {
            let bytes = rng.bytes(Int.random(in: 0...300, using: &rng))
            let ids = tok.encodeOrdinary(bytes: bytes)
            #expect(try tok.decodeBytes(ids) == bytes, "seed \(rng.seed)")
            #expect(ids.allSatisfy { $0 < tok.mergeableCount })
        }
    }

    @Test(arguments: ["r50k_base", "cl100k_base", "o200k_base"])
    func randomUnicodeRoundTrip(name: String) throws {
        let tok = try Tokenizer(named: name)
        var rng = SeededRandom(seed: 0x5EED_0002)
        for _ in 0..<300 {
            let text = rng.unicodeString(Int.random(in: 0...200, using: &rng))
            let ids = tok.encodeOrdinary(text)
            #expect(try tok.decode(ids) == text, "seed \(rng.seed)")
            #expect(tok.encodeOrdinary(bytes: Array(text.utf8)) == ids)
        }
    }

    /// Every token the fast encoder emits for a piece must be what the naive loop produces; the
    /// pieces here are long (the heap path) and short (the stack path).
    @Test(arguments: ["r50k_base", "cl100k_base", "o200k_base"])
    func fastMergeEqualsReferenceMerge(name: String) throws {
        let tok = try Tokenizer(named: name)
        var rng = SeededRandom(seed: 0x5EED_0003)
        let alphabets: [[UInt8]] = [Array("ab".utf8), Array("aeinrst".utf8), Array("  \n".utf8), Array("0123456789".utf8),
                                    Array("xyzq".utf8), Array(0x80...0xBF)]
        for round in 0..<120 {
            let alphabet = alphabets[round % alphabets.count]
            let n = round % 3 == 0 ? Int.random(in: 65...400, using: &rng) : Int.random(in: 2...64, using: &rng)
            let piece = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
            let enc = try tok.encodeWithOffsets(bytes: piece, disallowedSpecial: .none)
            let expected = referenceEncode(piece, tok)
            #expect(enc.ids == expected, "seed \(rng.seed) round \(round): \(piece.prefix(40))")
        }
    }

    /// Pieces of up to 64 bytes are merged by a minimum over packed (rank, position) keys; it must
    /// give exactly what tiktoken's own loop gives (the reference path), ties included: small
    /// alphabets make equal ranks at several positions common, continuation bytes and raw bytes
    /// make pieces that are not text. Lengths 2…64 cover the front cache (up to 16 bytes), the
    /// piece cache (up to 30) and the plain merge (up to 64).
    @Test(arguments: ["r50k_base", "cl100k_base", "o200k_base"])
    func shortPiecesEqualTiktokensLoop(name: String) throws {
        let tok = try Tokenizer(named: name)
        var rng = SeededRandom(seed: 0x5EED_0029)
        let alphabets: [[UInt8]] = [Array("ab".utf8), Array("aab ".utf8), Array("etaoinshrdlu".utf8),
                                    Array("0123456789".utf8), Array(" \n\t".utf8), Array(0x80...0xBF),
                                    Array("中文的".utf8), Array(0...255)]
        for round in 0..<1_200 {
            let alphabet = alphabets[round % alphabets.count]
            let n = Int.random(in: 2...64, using: &rng)
            let piece = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
            let fast = tok._bpeOnePiece(piece)
            #expect(fast != nil)
            #expect(fast == tok._bpeOnePieceReference(piece), "seed \(rng.seed) round \(round): \(piece)")
        }
    }

    /// Long pieces (256 bytes and more) are merged in chunks whose boundaries are checked by
    /// the pairwise property; they must give exactly the plain merge's ids. Small alphabets make
    /// ties and long tokens common (runs of one byte, of spaces, digits, continuation bytes),
    /// and a run with a stray byte every so often moves the boundaries' alignment.
    @Test(arguments: ["r50k_base", "cl100k_base", "o200k_base"])
    func stitchedLongPiecesEqualPlainMerge(name: String) throws {
        let tok = try Tokenizer(named: name)
        var rng = SeededRandom(seed: 0x5EED_0007)
        let alphabets: [[UInt8]] = [Array("a".utf8), Array(" ".utf8), Array("ab".utf8), Array(" \n".utf8),
                                    Array("\t ".utf8), Array("aeinrst".utf8), Array("0123456789".utf8),
                                    Array("xyzq".utf8), Array(0x80...0xBF), Array("=-".utf8),
                                    Array("abcdefghijklmnopqrstuvwxyz".utf8)]
        for round in 0..<66 {
            let alphabet = alphabets[round % alphabets.count]
            let n = Int.random(in: 256...2500, using: &rng)
            var piece: [UInt8]
            if round % 6 == 5 {
                // runs of random lengths (the windows around chunk boundaries grow both ways)
                piece = []
                while piece.count < n {
                    let run = Int.random(in: 1...(Bool.random(using: &rng) ? 6 : 200), using: &rng)
                    piece += [UInt8](repeating: alphabet.randomElement(using: &rng)!, count: run)
                }
            } else if round % 4 == 3 {
                // a run of one byte with a stray byte from the alphabet now and then
                piece = [UInt8](repeating: alphabet[0], count: n)
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    piece[Int.random(in: 0..<n, using: &rng)] = alphabet.randomElement(using: &rng)!
                }
            } else {
                piece = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
            }
            let fast = tok._bpeOnePiece(piece)
            #expect(fast != nil)
            #expect(fast == tok._bpeOnePieceReference(piece), "seed \(rng.seed) round \(round): \(piece.prefix(40))")
        }
        // and against the independent naive loop, on one long piece of each kind
        for unit in ["a", " ", "ab", " \n"] {
            let piece = Array(String(repeating: unit, count: 700 / unit.utf8.count).utf8) + Array("b".utf8)
            #expect(tok._bpeOnePiece(piece) == ReferenceBPE.encodePiece(piece, with: tok), "unit \(unit.debugDescription)")
        }
    }

    /// The reference pipeline: pre-tokens from the library's own split (tested against tiktoken
    /// by the fixtures), each merged by the naive loop.
    func referenceEncode(_ bytes: [UInt8], _ tok: Tokenizer) -> [Int] {
        tok.preTokenize(bytes: bytes).flatMap { ReferenceBPE.encodePiece(Array(bytes[$0]), with: tok) }
    }

    @Test func worstCasesRoundTripAndMatchReference() throws {
        let tok = try Tokenizer(named: "cl100k_base")
        for unit in ["a", " ", "7", "ab", "\n", "é", "😀"] {
            let text = String(repeating: unit, count: 1500)
            let ids = tok.encodeOrdinary(text)
            #expect(ids == referenceEncode(Array(text.utf8), tok), "unit \(unit.debugDescription)")
        }
        for unit in ["a", " ", "9", "\u{301}"] {
            let text = String(repeating: unit, count: 200_000)
            #expect(try tok.decode(tok.encodeOrdinary(text)) == text)
        }
    }

    @Test func batchEqualsSingle() throws {
        let tok = try Tokenizer(named: "o200k_base")
        var rng = SeededRandom(seed: 0x5EED_0004)
        let texts = (0..<500).map { _ in rng.unicodeString(Int.random(in: 0...120, using: &rng)) }
        let batch = tok.encodeOrdinaryBatch(texts)
        #expect(batch == texts.map { tok.encodeOrdinary($0) })
        let byteBatch = try tok.encodeBatch(bytes: texts.map { Array($0.utf8) }, disallowedSpecial: .none)
        #expect(byteBatch == batch)
    }

    @Test func invalidUTF8SplitsLikeReplacementCharacter() throws {
        // Ill-formed units pre-tokenize as U+FFFD would (Python's errors="replace" units), with the
        // original bytes kept: so the pieces equal those of the replaced text, unit for unit.
        let tok = try Tokenizer(named: "cl100k_base")
        let samples: [[UInt8]] = [[0xE2, 0x82, 0x61, 0x62, 0x63], [0x20, 0xFF, 0x61], [0xF0, 0x9F, 0x98], [0xC0, 0xAF, 0x41],
                                  [0x61, 0xED, 0xA0, 0x80, 0x62]]
        for b in samples {
            let ids = tok.encodeOrdinary(bytes: b)
            #expect(try tok.decodeBytes(ids) == b)
            let pieces = tok.preTokenize(bytes: b).map { Array(b[$0]) }
            let replaced = String(decoding: b, as: UTF8.self)
            let refPieces = tok.preTokenize(bytes: Array(replaced.utf8)).map { String(decoding: Array(replaced.utf8)[$0], as: UTF8.self) }
            #expect(pieces.map { String(decoding: $0, as: UTF8.self) } == refPieces, "\(b)")
        }
    }
}

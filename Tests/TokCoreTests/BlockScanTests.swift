import CTokKernels
import Testing
import TokTestSupport

/// The block path of the pre-token scanners (64 bytes at a time from bit masks) gives the pieces
/// the per-piece scanners give, for every pattern that has one, on inputs made to reach every
/// rule: words with and without a prefix, case changes, punctuation runs before letters and line
/// feeds, whitespace runs with line feeds inside and at their ends, windows cut by hard bytes
/// (non-ASCII, control bytes) and bytes of other classes at every distance, contractions (o200k's
/// suffixes, cl100k's pieces), digit groups (of three, or single digits for Qwen and Tekken),
/// tabs, CR, and o200k's '/' after punctuation and line feeds.
@Suite struct BlockScanTests {
    static let patterns: [(String, Int32)] = [("r50k", 1), ("cl100k", 2), ("o200k", 3), ("qwen2", 4), ("qwen3.5", 5), ("llama3", 6), ("tekken", 8)]

    /// Piece ends by the per-piece scanner, and by tok_pretok_pieces (the block path where it applies),
    /// with how many pieces came from windows of more than one piece.
    static func ends(_ text: [UInt8], _ pattern: Int32) -> (scanner: [Int], blocks: [Int], fromWindows: Int) {
        text.withUnsafeBufferPointer { b in
            var one: [Int] = [], many: [Int] = [], windows = 0
            var pos = 0
            while pos < b.count {
                pos = tok_pretok_next(pattern, b.baseAddress, b.count, pos)
                one.append(pos)
            }
            var buf = [Int](repeating: 0, count: 64)
            pos = 0
            while pos < b.count {
                let n = buf.withUnsafeMutableBufferPointer { tok_pretok_pieces(pattern, b.baseAddress, b.count, pos, $0.baseAddress, 64) }
                if n > 1 { windows += n }
                many.append(contentsOf: buf[0..<n])
                pos = many.last!
            }
            return (one, many, windows)
        }
    }

    @Test func randomTextsSplitAsTheScannersSplitThem() {
        let alphabets: [[UInt8]] = [
            Array("aaAA  \n.,".utf8), Array("abcXYZ \n\n  .,;!?\"()-".utf8), Array("ab .\n".utf8),
            Array("Hello World. the, A  \n\n  ! ?:".utf8), Array("aA. ".utf8), Array(" \n".utf8), Array(".,!\n a".utf8),
            Array("aB c\n.  ,\t1'/".utf8), Array("xY' s 't\n/9\r".utf8),
            Array("don't it's I'LL we'Ve 12 345 6789 a1 .9 's's x'd\n".utf8), Array("'s't're'll aB'S 1a 22 ".utf8),
            Array("0123456789 ' .,a".utf8), Array("a/\n/b\r\n\t\t x/y ./ \t,\t1 \r\r\n a".utf8),
            Array("\t\n\r/'.a A 1".utf8), Array((String(repeating: "\n", count: 20) + "/\r.a").utf8),
        ]
        var rng = SeededRandom(seed: 0xB10C)
        var fromWindows = 0, texts = 0
        for _ in 0..<6_000 {
            let a = alphabets[Int.random(in: 0..<alphabets.count, using: &rng)]
            let text = (0..<Int.random(in: 1...400, using: &rng)).map { _ -> UInt8 in
                Int.random(in: 0..<90, using: &rng) == 0 ? UInt8.random(in: 0...255, using: &rng) : a[Int.random(in: 0..<a.count, using: &rng)]
            }
            texts += 1
            for (name, p) in Self.patterns {
                let r = Self.ends(text, p)
                fromWindows += r.fromWindows
                #expect(r.blocks == r.scanner, "\(name): \(String(decoding: text, as: UTF8.self).debugDescription)")
                if r.blocks != r.scanner { return }
            }
        }
        #expect(fromWindows > 100_000)   // the windows were used, not only the scanner
    }

    /// The entry point's edges: nothing at or past the end, one piece at a time with room for
    /// fewer than a window's pieces, and the same pieces whatever the room.
    @Test func capacityAndEnds() {
        let text = Array(String(repeating: "It's a window of words, 12 of them. ", count: 8).utf8)
        text.withUnsafeBufferPointer { b in
            var out = [Int](repeating: -1, count: 64)
            #expect(tok_pretok_pieces(3, b.baseAddress, b.count, b.count, &out, 64) == 0)
            #expect(tok_pretok_pieces(3, b.baseAddress, b.count, 0, &out, 0) == 0)
            for cap in [1, 5, 63, 64] {
                var ends: [Int] = [], pos = 0
                while pos < b.count {
                    let n = tok_pretok_pieces(3, b.baseAddress, b.count, pos, &out, cap)
                    #expect(n >= 1 && n <= cap)
                    ends += out[0..<n]
                    pos = ends.last!
                }
                #expect(ends == Self.ends(text, 3).scanner, "cap \(cap)")
            }
        }
    }

    /// Prose with a hard byte at each distance from a window's start, and the fixtures' texts.
    @Test func proseAndFixtures() throws {
        let prose = Array(("It was the best of times, it was the worst of times.\n\n  \"Well,\" said Mr. McGregor;  HTTPServer "
            + "and camelCase -- fine!! It's 1984; DON'T they'll 12345 'tis\n  ... end.\n").utf8)
        var texts: [[UInt8]] = []
        for hard in Array("0'/\r\t\u{e9}\u{0b}".utf8) {
            for at in 0..<80 {
                var t = prose + prose
                t[at] = hard
                texts.append(t)
            }
        }
        for name in ["tiktoken_cl100k_base", "tiktoken_o200k_base"] {
            texts += try TestFiles.jsonLines(name + ".jsonl").compactMap { ($0["text"] as? String).map { Array($0.utf8) } }
        }
        var fromWindows = 0
        for text in texts {
            for (name, p) in Self.patterns {
                let r = Self.ends(text, p)
                fromWindows += r.fromWindows
                #expect(r.blocks == r.scanner, "\(name): \(String(decoding: text, as: UTF8.self).debugDescription)")
            }
        }
        #expect(fromWindows > 10_000)
    }
}

import Foundation
import Testing
import TokCore
import TokHierarchical
import CTokKernels
import TokTestSupport

/// The HAT rule against the reference hat-splitter, Unicode's word-boundary cases, and properties.
@Suite struct HATSplitterTests {
    let hat = HATSplitter()

    /// Every fixture line (made by tools/make_segment_fixtures.py from hat-splitter 0.1.10): the
    /// words, and the words under byte limits 4 and 16.
    @Test func matchesReferenceFixture() throws {
        let records = try TestFiles.jsonLines("hat_splitter.jsonl")
        #expect(records.count > 1000)
        var mismatches = 0
        for r in records {
            let text = r["text"] as! String
            let words = r["words"] as! [String]
            // Compared as bytes too: String's == is canonical equivalence, not identity.
            let got = hat.split(text)
            if got != words || got.map({ Array($0.utf8) }) != words.map({ Array($0.utf8) }) {
                mismatches += 1
                if mismatches < 5 { Issue.record("split(\(text.debugDescription)): \(hat.split(text)) != \(words)") }
            }
            if hat.substrings(text).map(String.init) != words {
                mismatches += 1
                if mismatches < 5 { Issue.record("substrings(\(text.debugDescription)) != \(words)") }
            }
            for limit in [4, 16] {
                let want = (r["words_\(limit)"] as! [String]).map { [UInt8](Data(base64Encoded: $0)!) }
                let got = try hat.split(text, maxBytesPerWord: limit)
                if got != want {
                    mismatches += 1
                    if mismatches < 5 { Issue.record("limit \(limit) \(text.debugDescription): \(got) != \(want)") }
                }
            }
        }
        #expect(mismatches == 0)
    }

    /// Unicode's WordBreakTest.txt: every case, every boundary.
    @Test func unicodeWordBreakTest() throws {
        let lines = try String(contentsOf: TestFiles.fixture("WordBreakTest.txt"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count > 1800)
        var failures = 0
        for line in lines {
            let (bytes, want) = parseBreakTestCase(line)
            let got = HATSplitter.unicodeWordSegments(bytes: bytes).map(\.upperBound)
            if got != want {
                failures += 1
                if failures < 5 { Issue.record("\(line): boundaries \(got), expected \(want)") }
            }
        }
        #expect(failures == 0)
    }

    @Test func documentedExamples() throws {
        #expect(hat.split("Hello, camelCase world!") == ["Hello,", " camel", "Case", " world!"])
        #expect(hat.split("e.g. this") == ["e.", "g.", " this"])
        #expect(hat.split("don't stop") == ["don'", "t", " stop"])
        #expect(hat.split("a  b   c") == ["a", "  ", "b", "   ", "c"])
        #expect(hat.split("a\n\nb \n c") == ["a", "\n", "\n", "b", " ", "\n", " c"])
        #expect(hat.split("(hello)") == ["(", "hello)"])
        #expect(hat.split("__init__") == ["__", "init__"])
        #expect(hat.split("http://x.com/a_b?c=d") == ["http://", "x.", "com/", "a_", "b?", "c", "=", "d"])
        #expect(hat.split("") == [])
        #expect(try hat.split("한a국", maxBytesPerWord: 2) == [[0xED, 0x95], [0x9C, 0x61], [0xEA, 0xB5], [0xAD]])
    }

    @Test func zeroLimitIsAnError() {
        #expect(throws: TokError.self) { try hat.split("abc", maxBytesPerWord: 0) }
        #expect(throws: TokError.self) { try hat.words("abc", maxBytesPerWord: -3) }
    }

    /// The reference's causality property: for every character-boundary prefix p of s, word i of
    /// split(p) is a prefix of word i of split(s).
    @Test func causality() throws {
        var rng = SeededRandom(seed: 0xCA05_0001)
        var texts = try TestFiles.jsonLines("hat_splitter.jsonl").prefix(400).map { String(($0["text"] as! String).prefix(120)) }
        texts += (0..<200).map { _ in rng.unicodeString(Int.random(in: 1...60, using: &rng)) }
        for s in texts {
            let full = hat.split(s)
            var prefix = ""
            for ch in s.unicodeScalars {
                prefix.unicodeScalars.append(ch)
                let part = hat.split(prefix)
                #expect(part.count <= full.count, "\(prefix.debugDescription) of \(s.debugDescription)")
                for (i, w) in part.enumerated() where i < full.count && !full[i].utf8.starts(with: w.utf8) {
                    Issue.record("word \(i) of split(\(prefix.debugDescription)) = \(w.debugDescription) is not a prefix of \(full[i].debugDescription)")
                }
            }
        }
    }

    /// Any bytes (invalid UTF-8 included): the words tile the input, none is empty, none exceeds
    /// the limit, and valid stretches split as the valid text alone would up to the bad byte.
    @Test func randomBytesTileTheInput() throws {
        var rng = SeededRandom(seed: 0xCA05_0002)
        for round in 0..<2000 {
            var bytes = rng.bytes(Int.random(in: 0...80, using: &rng))
            if round % 2 == 0 { bytes += Array(rng.unicodeString(20).utf8) }
            for limit in [nil, 1, 2, 3, 5] as [Int?] {
                let w = try hat.words(bytes: bytes, maxBytesPerWord: limit)
                #expect(w.bytes == bytes)
                #expect(w.offsets.first == 0 && w.offsets.last == bytes.count)
                for i in w.indices {
                    #expect(!w[i].isEmpty)
                    if let limit { #expect(w[i].count <= limit) }
                }
            }
        }
    }

    /// Invalid bytes count as one character each, with no properties: like U+FFFD, but kept.
    @Test func invalidUTF8SplitsLikeReplacementCharacter() throws {
        let bytes: [UInt8] = Array("ab".utf8) + [0xFF] + Array("cd ef".utf8) + [0xE2, 0x82] + Array("!x".utf8)
        let words = try hat.words(bytes: bytes)
        let asText = hat.split("ab\u{FFFD}cd ef\u{FFFD}!x")
        #expect(words.count == asText.count)
        #expect(words.map { Array($0) }.reduce([], +) == bytes)
    }

    @Test func specialTokensAreSplitOutFirst() throws {
        let hat = HATSplitter(specialTokens: ["<|eot_id|>": 128009, "<|begin_of_text|>": 128000])
        let w = try hat.words("<|begin_of_text|>Hello world<|eot_id|>\nBye<|eot_id|>")
        #expect(w.indices.map { w.string(at: $0) } == ["<|begin_of_text|>", "Hello", " world", "<|eot_id|>", "\n", "Bye", "<|eot_id|>"])
        #expect(w.indices.map { w.specialID(at: $0) } == [128000, nil, nil, 128009, nil, nil, 128009])
        #expect(hat.substrings("<|begin_of_text|>Hello world<|eot_id|>\nBye<|eot_id|>") == ["<|begin_of_text|>", "Hello", " world", "<|eot_id|>", "\n", "Bye", "<|eot_id|>"])
        #expect(hat.split("x<|eot_id|>") == ["x", "<|eot_id|>"])
        #expect(hat.wordCount(bytes: Array("<|begin_of_text|>Hello world<|eot_id|>\nBye<|eot_id|>".utf8)) == 7)
        // Without special tokens the same text is split by the rule alone.
        #expect(HATSplitter().split("a<|eot_id|>") == ["a", "<", "|", "eot_", "id", "|", ">"])
    }

    /// `split` (Strings, short words made as small strings directly), `substrings` and the ragged
    /// words agree byte for byte on random texts, words of every length near the 15-byte edge
    /// and near the end of the text included.
    @Test func splitSubstringsAndWordsAgree() throws {
        var rng = SeededRandom(seed: 0xCA05_0004)
        let pool = ["a", "Z", "é", "ß", "Ж", "ж", "日", "🙂", " ", "  ", ".", "'", "\n", "\u{301}", "x"]
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...40, using: &rng)).map { _ in pool.randomElement(using: &rng)! }.joined()
                + (Bool.random(using: &rng) ? rng.unicodeString(Int.random(in: 0...30, using: &rng)) : "")
            let w = try hat.words(text)
            let want = w.indices.map { Array(w[$0]) }
            #expect(hat.split(text).map { Array($0.utf8) } == want, "\(text.debugDescription)")
            #expect(hat.substrings(text).map { Array($0.utf8) } == want)
        }
    }

    @Test func wordCountMatchesWords() throws {
        var rng = SeededRandom(seed: 0xCA05_0003)
        for _ in 0..<200 {
            let b = rng.bytes(Int.random(in: 0...200, using: &rng))
            #expect(hat.wordCount(bytes: b) == (try hat.words(bytes: b)).count)
        }
    }
}

/// The ragged and padded layouts and their inverses.
@Suite struct WordLayoutTests {
    let hat = HATSplitter(specialTokens: ["<|eot_id|>": 300])

    @Test func raggedRoundTrip() throws {
        let w = try hat.words("Wörter, und camelCase<|eot_id|>!")
        let back = try WordSequence(words: w.map { Array($0) }, specialIDs: [4: 300])
        #expect(back.bytes == Array("Wörter, und camelCase<|eot_id|>!".utf8))
        // ["Wörter,", " und", " camel", "Case", "<|eot_id|>", "!"]
        #expect(Array(w.wordStarts) == [0, 8, 12, 18, 22, 32])
        #expect(w.specialID(at: 4) == 300)
        #expect(throws: TokError.self) { try WordSequence(words: [[1], []]) }
    }

    @Test func paddedByT5WithPrefixSlots() throws {
        let w = try hat.words("Hi there!<|eot_id|>", maxBytesPerWord: 4)
        // ["Hi", " the", "re!", "<|eot_id|>"]
        let layout = PaddedLayout.byT5(maxBytes: 4, prefixIDs: [259])
        let p = try w.padded(layout, as: Int32.self)
        #expect(p.rows == 4 && p.columns == 5)
        #expect(p.ids == [259, 75, 108, 0, 0,
                          259, 35, 119, 107, 104,
                          259, 117, 104, 36, 0,
                          259, 300, 0, 0, 0])
        #expect(p.lengths == [2, 4, 3, 1])
        #expect(p.mask == [1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0])
        #expect(p.isSpecial == [false, false, false, true])
        let back = try p.wordSequence(specialTokens: hat.specialTokens)
        #expect(back == w)
        let p64 = try w.padded(layout, as: Int64.self)
        #expect(p64.ids.map(Int32.init) == p.ids)
    }

    @Test func paddedUInt8IsTheBytes() throws {
        var rng = SeededRandom(seed: 0xCA05_0004)
        for _ in 0..<100 {
            let bytes = rng.bytes(Int.random(in: 0...300, using: &rng))
            let w = try HATSplitter().words(bytes: bytes, maxBytesPerWord: 8)
            let p = try w.padded(PaddedLayout(maxBytes: 8, padID: 0), as: UInt8.self)
            #expect(try p.wordSequence().bytes == bytes)
            for r in 0..<p.rows {
                #expect(Array(p.ids[(r * 8)..<(r * 8 + Int(p.lengths[r]))]) == Array(w[r]))
            }
        }
    }

    /// The padded layout, slot by slot, as its documentation defines it.
    static func expectedRows<E: FixedWidthInteger>(_ w: WordSequence, _ layout: PaddedLayout, _: E.Type)
        -> (ids: [E], mask: [UInt8], lengths: [Int32])
    {
        var ids: [E] = [], mask: [UInt8] = [], lengths: [Int32] = []
        for r in 0..<w.count {
            let word = Array(w[r])
            let slots: [Int] = w.specialID(at: r).map { [$0] } ?? word.map { Int($0) + layout.byteOffset }
            for p in layout.prefixIDs { ids.append(E(p)); mask.append(1) }
            for k in 0..<layout.maxBytes {
                ids.append(E(k < slots.count ? slots[k] : layout.padID))
                mask.append(k < slots.count ? 1 : 0)
            }
            lengths.append(Int32(slots.count))
        }
        return (ids, mask, lengths)
    }

    /// Every element width (the C kernel's 1, 2, 4 and 8 bytes, and Swift's path for 128 bits) against
    /// the definition: random words and specials, limits that are and are not multiples of 16 (so
    /// the 16-slot blocks spill into the next row and the last rows take the slot-by-slot path),
    /// prefix slots, negative pads, and Int64 ids beyond 32 bits.
    @Test func paddedMatchesTheDefinitionForEveryWidth() throws {
        var rng = SeededRandom(seed: 0x9ADD_ED00)
        func check<E: FixedWidthInteger & Sendable>(_ w: WordSequence, _ layout: PaddedLayout, _ t: E.Type) throws {
            let p = try w.padded(layout, as: E.self)
            let want = Self.expectedRows(w, layout, E.self)
            #expect(p.rows == w.count)
            #expect(p.ids == want.ids, "\(E.self) \(layout)")
            #expect(p.mask == want.mask, "\(E.self) \(layout)")
            #expect(p.lengths == want.lengths, "\(E.self) \(layout)")
            #expect(p.isSpecial == (0..<w.count).map { w.specialID(at: $0) != nil })
            // The baseline instruction set (SSE2 on x86-64) writes what the best one (AVX2) wrote.
            let cells = w.count * layout.columns, width = MemoryLayout<E>.size
            guard E.bitWidth == width * 8, [1, 2, 4, 8].contains(width) else { return }
            let specials = (0..<w.count).map { w.specialID(at: $0) ?? -1 }, prefix = layout.prefixIDs.map(Int64.init)
            var raw = [UInt8](repeating: 0xEE, count: cells * width), mask = [UInt8](repeating: 0xEE, count: cells)
            var lengths = [Int32](repeating: -5, count: w.count)
            let stopped = tok_pad_rows_with(w.bytes, w.bytes.count, w.offsets, w.count, specials, prefix, prefix.count,
                                           layout.maxBytes, Int64(layout.padID), Int64(layout.byteOffset), width,
                                           &raw, &mask, &lengths, 0)
            #expect(stopped == -1)
            let same = raw == p.ids.withUnsafeBytes { Array($0) }  // a Bool, so a failure does not print every cell
            #expect(same, "baseline \(E.self) \(layout)")
            #expect(mask == p.mask && lengths == p.lengths)
        }
        for trial in 0..<300 {
            let maxBytes = [1, 3, 15, 16, 17, 31, 32, 40][trial % 8]
            var words: [[UInt8]] = []
            var specials: [Int: Int] = [:]
            for i in 0..<Int.random(in: 0...60, using: &rng) {
                if trial % 2 == 1 && Int.random(in: 0..<12, using: &rng) == 0 {  // even trials: no specials
                    specials[i] = Int.random(in: 256..<30_000, using: &rng)
                    words.append(Array("<|special|>".utf8))  // longer than small limits: specials may be
                } else {
                    words.append(rng.bytes(Int.random(in: 1...maxBytes, using: &rng)))
                }
            }
            let w = try WordSequence(words: words, specialIDs: specials)
            let prefix = (0..<Int.random(in: 0...3, using: &rng)).map { 256 + $0 }
            let small = PaddedLayout(maxBytes: maxBytes, prefixIDs: prefix.map { $0 - 200 }, padID: Int.random(in: 0...40, using: &rng))
            if specials.isEmpty { try check(w, small, UInt8.self) }
            let layout = PaddedLayout(maxBytes: maxBytes, prefixIDs: prefix, padID: [0, -1, -100, 7][trial % 4],
                                      byteOffset: [0, 3, 1000][trial % 3])
            try check(w, layout, Int16.self)
            try check(w, PaddedLayout(maxBytes: maxBytes, prefixIDs: prefix, padID: 65_535, byteOffset: 3), UInt16.self)
            try check(w, layout, Int32.self)
            try check(w, PaddedLayout(maxBytes: maxBytes, prefixIDs: prefix, padID: 1 << 31, byteOffset: 3), UInt32.self)
            try check(w, layout, Int64.self)
            try check(w, PaddedLayout(maxBytes: maxBytes, prefixIDs: prefix, padID: -(1 << 40), byteOffset: 1 << 33), Int64.self)
            try check(w, PaddedLayout(maxBytes: maxBytes, prefixIDs: prefix, padID: 9, byteOffset: Int(Int32.max) - 100), Int64.self)
            try check(w, PaddedLayout(maxBytes: maxBytes, prefixIDs: prefix, padID: 0, byteOffset: 3), UInt64.self)
            try check(w, layout, Int128.self)
        }
    }

    /// Writing into caller buffers gives what `padded` returns, leaves slots past the matrix alone,
    /// and refuses buffers that are too small.
    @Test func writePaddedIntoCallerBuffers() throws {
        var rng = SeededRandom(seed: 0x1A70)
        for trial in 0..<100 {
            let text = rng.unicodeString(Int.random(in: 0...400, using: &rng)) + (trial % 3 == 0 ? "<|eot_id|>x" : "")
            let w = try hat.words(text, maxBytesPerWord: 12)
            let layout = PaddedLayout.byT5(maxBytes: 12, prefixIDs: trial % 2 == 0 ? [] : [300, 301])
            let want = try w.padded(layout, as: Int64.self)
            let cells = w.count * layout.columns
            var ids = [Int64](repeating: 77, count: cells + 5), mask = [UInt8](repeating: 9, count: cells + 5)
            var lengths = [Int32](repeating: -2, count: w.count + 1)
            try ids.withUnsafeMutableBufferPointer { i in
                try mask.withUnsafeMutableBufferPointer { m in
                    try lengths.withUnsafeMutableBufferPointer { l in try w.writePadded(layout, ids: i, mask: m, lengths: l) }
                }
            }
            #expect(Array(ids.prefix(cells)) == want.ids && ids.suffix(5) == [77, 77, 77, 77, 77])
            #expect(Array(mask.prefix(cells)) == want.mask && mask.suffix(5) == [9, 9, 9, 9, 9])
            #expect(Array(lengths.prefix(w.count)) == want.lengths && lengths.last == -2)
            // a band at a time (7 words) into one small buffer: the same rows
            let band = 7, cols = layout.columns
            var bi = [Int64](repeating: 0, count: band * cols), bm = [UInt8](repeating: 0, count: band * cols)
            var bl = [Int32](repeating: 0, count: band)
            for lo in stride(from: 0, to: w.count, by: band) {
                let words = lo..<Swift.min(w.count, lo + band)
                try bi.withUnsafeMutableBufferPointer { i in
                    try bm.withUnsafeMutableBufferPointer { m in
                        try bl.withUnsafeMutableBufferPointer { l in try w.writePadded(layout, words: words, ids: i, mask: m, lengths: l) }
                    }
                }
                #expect(Array(bi.prefix(words.count * cols)) == Array(want.ids[(lo * cols)..<(words.upperBound * cols)]))
                #expect(Array(bm.prefix(words.count * cols)) == Array(want.mask[(lo * cols)..<(words.upperBound * cols)]))
                #expect(Array(bl.prefix(words.count)) == Array(want.lengths[words]))
            }
        }
        let w = try hat.words("two words")
        var ids = [Int32](repeating: 0, count: 2 * 8 - 1), mask = [UInt8](repeating: 0, count: 16), lengths = [Int32](repeating: 0, count: 2)
        #expect(throws: TokError.self) {   // words past the end
            try ids.withUnsafeMutableBufferPointer { i in
                try mask.withUnsafeMutableBufferPointer { m in
                    try lengths.withUnsafeMutableBufferPointer { l in try w.writePadded(PaddedLayout(maxBytes: 8), words: 1..<3, ids: i, mask: m, lengths: l) }
                }
            }
        }
        #expect(throws: TokError.self) {
            try ids.withUnsafeMutableBufferPointer { i in
                try mask.withUnsafeMutableBufferPointer { m in
                    try lengths.withUnsafeMutableBufferPointer { l in try w.writePadded(PaddedLayout(maxBytes: 8), ids: i, mask: m, lengths: l) }
                }
            }
        }
    }

    /// Outputs of 2^21 slots and more are written in bands of rows on all cores: the same matrix as
    /// one serial pass, and a long word in a late band is still named.
    @Test func largeOutputsWrittenInBandsEqualOnePass() throws {
        var rng = SeededRandom(seed: 0xBA4D)
        var words: [[UInt8]] = []
        for _ in 0..<150_000 { words.append(rng.bytes(Int.random(in: 1...15, using: &rng))) }
        let w = try WordSequence(words: words, specialIDs: [7: 70_000, 149_999: 70_001])
        let layout = PaddedLayout(maxBytes: 15, prefixIDs: [1], padID: -1, byteOffset: 3)
        let p = try w.padded(layout, as: Int32.self)
        #expect(p.ids.count >= 1 << 21)
        var ids = [Int32](repeating: 0, count: p.ids.count), mask = [UInt8](repeating: 0, count: p.ids.count)
        var lengths = [Int32](repeating: 0, count: w.count)
        let specials = (0..<w.count).map { w.specialID(at: $0) ?? -1 }
        let stopped = tok_pad_rows_with(w.bytes, w.bytes.count, w.offsets, w.count, specials, [1], 1, 15, -1, 3, 4,
                                       &ids, &mask, &lengths, 1)
        #expect(stopped == -1)
        #expect(Bool(ids == p.ids) && Bool(mask == p.mask) && Bool(lengths == p.lengths))
        // a range of words written in bands: the matching rows
        let part = 1_001..<149_000, cols = layout.columns
        var pi = [Int32](repeating: 0, count: part.count * cols), pm = [UInt8](repeating: 0, count: part.count * cols)
        var pl = [Int32](repeating: 0, count: part.count)
        try pi.withUnsafeMutableBufferPointer { i in
            try pm.withUnsafeMutableBufferPointer { m in
                try pl.withUnsafeMutableBufferPointer { l in try w.writePadded(layout, words: part, ids: i, mask: m, lengths: l) }
            }
        }
        #expect(Bool(pi == Array(p.ids[(part.lowerBound * cols)..<(part.upperBound * cols)])))
        #expect(Bool(pm == Array(p.mask[(part.lowerBound * cols)..<(part.upperBound * cols)])) && Bool(pl == Array(p.lengths[part])))
        words[140_000] = rng.bytes(16)
        let long = try WordSequence(words: words)
        #expect { _ = try long.padded(layout, as: Int32.self) } throws: { error in
            (error as? TokError)?.message.contains("word 140000 has 16 bytes") == true
        }
    }

    /// The streamed fill (TOK_PAD_STREAM: non-temporal stores from the registers where every block
    /// is 16-byte aligned, ordinary stores elsewhere) writes what ordinary stores write: every
    /// width, limits that are and are not multiples of 16, buffers aligned and starting anywhere
    /// within a cache line, a stop at a long word (rows before it written, nothing outside the
    /// buffers touched), and, through the Swift API, an output over the streaming threshold.
    @Test func streamedFillEqualsOrdinaryStores() throws {
        var rng = SeededRandom(seed: 0x57EA)
        for trial in 0..<60 {
            let maxBytes = [1, 5, 16, 17, 32, 40, 300, 64][trial % 8], width = [1, 2, 4, 8][trial % 4]
            let rows = Int.random(in: 0...(maxBytes > 64 ? 300 : 3_000), using: &rng), prefix: [Int64] = trial % 3 == 2 ? [7, 8, 9] : []
            var words: [[UInt8]] = [], specials: [Int: Int] = [:]
            for i in 0..<rows {
                if trial % 2 == 1 && Int.random(in: 0..<50, using: &rng) == 0 { specials[i] = 200 + i % 50 }
                words.append(rng.bytes(Int.random(in: 1...maxBytes, using: &rng)))
            }
            if trial % 5 == 4 && rows > 10 { words[Int.random(in: 0..<rows, using: &rng)] = rng.bytes(maxBytes + 1) }
            let w = try WordSequence(words: words, specialIDs: specials)
            let sp = (0..<w.count).map { w.specialID(at: $0) ?? -1 }, cells = w.count * (prefix.count + maxBytes)
            // The buffers start `skew` elements and `skew * 7 % 64` bytes past a 64-byte boundary.
            func run(_ options: UInt32, _ skew: Int) -> (Int, [UInt8], [UInt8], [Int32], Bool) {
                let ib = UnsafeMutableRawBufferPointer.allocate(byteCount: cells * width + 64, alignment: 64)
                let mb = UnsafeMutableRawBufferPointer.allocate(byteCount: cells + 128, alignment: 64)
                defer { ib.deallocate(); mb.deallocate() }
                ib.initializeMemory(as: UInt8.self, repeating: 0xC3)
                mb.initializeMemory(as: UInt8.self, repeating: 0xC3)
                var lengths = [Int32](repeating: -5, count: w.count)
                let io = skew * width, mo = (skew * 7) % 64
                let stopped = sp.withUnsafeBufferPointer { s in  // no special ids: NULL, the kernel's loop without checks
                    tok_pad_rows_with(w.bytes, w.bytes.count, w.offsets, w.count, specials.isEmpty ? nil : s.baseAddress,
                                      prefix, prefix.count, maxBytes, -1, 3, width, ib.baseAddress! + io,
                                      mb.baseAddress!.assumingMemoryBound(to: UInt8.self) + mo, &lengths, options)
                }
                let raw = Array(ib), mask = Array(mb)
                let untouched = raw[..<io].allSatisfy { $0 == 0xC3 } && mask[..<mo].allSatisfy { $0 == 0xC3 }
                    && raw[(io + cells * width)...].allSatisfy { $0 == 0xC3 } && mask[(mo + cells)...].allSatisfy { $0 == 0xC3 }
                return (stopped, Array(raw[io..<(io + cells * width)]), Array(mask[mo..<(mo + cells)]), lengths, untouched)
            }
            let want = run(UInt32(TOK_PAD_AVX2), 0)
            let skews = [0, 16 / width, Int.random(in: 0..<(64 / width), using: &rng)]  // aligned, 16-aligned, any
            for (options, skew) in [UInt32(TOK_PAD_STREAM), UInt32(TOK_PAD_STREAM | TOK_PAD_AVX2)].flatMap({ o in skews.map { (o, $0) } }) {
                let got = run(options, skew)
                #expect(got.0 == want.0, "trial \(trial)")
                let done = got.0 == -1 ? w.count : got.0, slots = done * (prefix.count + maxBytes)
                let same = got.1[..<(slots * width)] == want.1[..<(slots * width)] && got.2[..<slots] == want.2[..<slots]
                    && got.3[..<done] == want.3[..<done]
                #expect(same, "trial \(trial) options \(options) skew \(skew)")
                #expect(got.4, "trial \(trial): a byte outside the matrix was written")
            }
        }
        // Through `padded`: 120,000 rows of 64 Int64 slots (69 MB, over the 64 MiB where the Swift
        // API streams, in bands on all cores) equal one ordinary pass.
        var words: [[UInt8]] = []
        for _ in 0..<120_000 { words.append(rng.bytes(Int.random(in: 1...64, using: &rng))) }
        let w = try WordSequence(words: words, specialIDs: [3: 70_000])
        let layout = PaddedLayout(maxBytes: 64, padID: 0, byteOffset: 3)
        #expect(w.count * layout.columns * 9 >= 64 << 20)
        let p = try w.padded(layout, as: Int64.self)
        var ids = [Int64](repeating: 0, count: p.ids.count), mask = [UInt8](repeating: 0, count: p.ids.count)
        var lengths = [Int32](repeating: 0, count: w.count)
        let sp = (0..<w.count).map { w.specialID(at: $0) ?? -1 }
        #expect(tok_pad_rows_with(w.bytes, w.bytes.count, w.offsets, w.count, sp, nil, 0, 64, 0, 3, 8, &ids, &mask, &lengths,
                                  UInt32(TOK_PAD_AVX2)) == -1)
        #expect(Bool(p.ids == ids) && Bool(p.mask == mask) && Bool(p.lengths == lengths) && p.ids[3 * 64] == 70_000)
    }

    /// A word over the limit is an error naming it, whichever element width is asked for.
    @Test func paddedNamesTheFirstLongWord() throws {
        let words = [Array("ab".utf8), Array("<|x|>".utf8), Array("abcde".utf8), Array("abcdef".utf8)]
        // With a special row, and without one (the kernel's loop without per-row special checks).
        let cases = [(try WordSequence(words: words, specialIDs: [1: 250]), "byte 7"),
                     (try WordSequence(words: [words[0], Array("xyz".utf8), words[2], words[3]]), "byte 5")]
        for ((w, location), width) in cases.flatMap({ c in (0..<5).map { (c, $0) } }) {
            do {
                let layout = PaddedLayout(maxBytes: 4)
                switch width {
                case 0: _ = try w.padded(layout, as: UInt8.self)
                case 1: _ = try w.padded(layout, as: Int16.self)
                case 2: _ = try w.padded(layout, as: Int32.self)
                case 3: _ = try w.padded(layout, as: Int64.self)
                default: _ = try w.padded(layout, as: Int128.self)
                }
                Issue.record("a 5-byte word passed maxBytes 4")
            } catch {
                #expect(error.message.contains("word 2 has 5 bytes"), "\(error)")
                #expect(error.location == location)
            }
        }
    }

    @Test func paddedErrors() throws {
        let w = try HATSplitter().words("extraordinary")
        #expect(throws: TokError.self) { try w.padded(PaddedLayout(maxBytes: 4), as: Int32.self) }      // word too long
        #expect(throws: TokError.self) { try w.padded(PaddedLayout.byT5(maxBytes: 16), as: UInt8.self) } // 255+3 > UInt8.max
        #expect(throws: TokError.self) { try w.padded(PaddedLayout(maxBytes: 0), as: Int32.self) }
        #expect(throws: TokError.self) { try w.padded(PaddedLayout(maxBytes: 16, byteOffset: .max), as: Int64.self) }  // no overflow trap
        let p = try w.padded(PaddedLayout(maxBytes: 16, padID: -1), as: Int32.self)
        #expect(p.ids.suffix(3) == [-1, -1, -1])
        // A special row whose id the inverse is not told about.
        let s = try hat.words("a<|eot_id|>").padded(PaddedLayout(maxBytes: 4), as: Int32.self)
        #expect(throws: TokError.self) { try s.wordSequence() }
    }
}

@Suite struct ParallelSplitTests {
    /// Inputs of 4 MiB and more are split on all cores, cut after line feeds; the words must be
    /// those of splitting each line on its own (a line feed always ends a word).
    @Test func largeInputEqualsLineByLine() throws {
        var rng = SeededRandom(seed: 0x9A11)
        var lines: [[UInt8]] = []
        var total = 0
        while total < (5 << 20) {
            var line = Array(rng.unicodeString(Int.random(in: 0...300, using: &rng)).utf8)
            if Int.random(in: 0..<10, using: &rng) == 0 { line += rng.bytes(5) }
            line.removeAll { $0 == 0x0A }
            line.append(0x0A)
            total += line.count
            lines.append(line)
        }
        let hat = HATSplitter()
        for limit in [nil, 7] as [Int?] {
            let whole = try hat.words(bytes: lines.flatMap { $0 }, maxBytesPerWord: limit)
            var expected: [Int] = [0]
            var base = 0
            for l in lines {
                let w = try hat.words(bytes: l, maxBytesPerWord: limit)
                expected += w.offsets.dropFirst().map { $0 + base }
                base += l.count
            }
            #expect(whole.offsets == expected)
        }
    }
}

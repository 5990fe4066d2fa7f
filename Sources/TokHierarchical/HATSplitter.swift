internal import CTokKernels
public import TokCore

/// The word splitting rule of hierarchical autoregressive transformers (HAT), identical to the
/// reference `hat-splitter`.
///
/// Words are Unicode word segments (UAX #29, Unicode 16.0, no dictionary segmentation), cut after
/// every punctuation character and between a lowercase and an uppercase letter, then grouped so that
/// each word is `[one space][word]punctuation*`; white space other than a single space stands alone.
/// Special tokens (such as `<|eot_id|>`) can be split out first, each as a word of its own.
///
/// ```swift
/// let hat = HATSplitter()
/// hat.split("Hello, camelCase world!")      // ["Hello,", " camel", "Case", " world!"]
/// try hat.split("naïveté", maxBytesPerWord: 4)   // [[110, 97, 195, 175], [118, 101, 116], [195, 169]]
/// ```
///
/// Bytes that are not valid UTF-8 are kept: each maximal ill-formed subsequence counts as one
/// character with no properties (like U+FFFD), so the words always concatenate to the input.
public struct HATSplitter: Sendable {
    /// The special tokens split out before the rule runs, and their ids.
    public let specialTokens: [String: Int]
    let specials: _SpecialMatcher

    /// A splitter; `specialTokens` (text → id) are matched first, longest first, and become words
    /// of their own with those ids.
    public init(specialTokens: [String: Int] = [:]) {
        self.specialTokens = specialTokens
        self.specials = _SpecialMatcher(specialTokens)
    }

    /// The words of `text` (hat-splitter's `split`).
    public func split(_ text: String) -> [String] {
        // Strings are made straight from the segmenter's output (no offsets array, no copy of the
        // text). Without a byte limit every word is whole characters of valid UTF-8.
        withBytes(text.utf8) { buf in
            var out: [String] = []
            out.reserveCapacity(buf.count / 5 + 1)
            let small = _SmallString.enabled
            forEachOrdinaryRun(buf) { from, to, special in
                let run = UnsafeBufferPointer(rebasing: buf[from..<to])
                if special != nil {
                    out.append(String(decoding: run, as: UTF8.self))
                    return
                }
                var start = 0
                // Words of up to 15 bytes with 16 bytes of the text readable from their start
                // are made as small strings directly (see _SmallString); the rest are copied.
                let base = buf.baseAddress! + from, fastLimit = small ? buf.count - from - 16 : -1
                Self.forEachWordEnds(run, mode: TOK_SEG_MODE_HAT, maxBytes: 0) { ends in
                    for end in ends {
                        if end &- start <= 15 && start <= fastLimit {
                            out.append(_SmallString.make(base + start, end &- start))
                        } else {
                            out.append(Self.string(UnsafeBufferPointer(rebasing: run[start..<end])))
                        }
                        start = end
                    }
                }
            }
            return out
        }
    }

    /// A String of valid UTF-8 bytes, written straight into the string's storage (the standard
    /// library validates it unless it is ASCII); `split` uses it for words `_SmallString` does
    /// not make.
    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { dst in
            if let d = dst.baseAddress, let b = bytes.baseAddress { d.update(from: b, count: bytes.count) }
            return bytes.count
        }
    }

    /// The words of `text` as substrings of it: the words ``split(_:)`` returns, sharing the
    /// text's storage instead of making a `String` per word (as `String.split` returns
    /// substrings), for callers that keep the text anyway. `String(word)` copies one out.
    public func substrings(_ text: String) -> [Substring] {
        var text = text
        text.makeContiguousUTF8()
        let utf8 = text.utf8
        let base = utf8.startIndex
        return text.utf8.withContiguousStorageIfAvailable { buf -> [Substring] in
            var out: [Substring] = []
            out.reserveCapacity(buf.count / 5 + 1)
            forEachOrdinaryRun(buf) { from, to, special in
                if special != nil {
                    out.append(text[utf8.index(base, offsetBy: from)..<utf8.index(base, offsetBy: to)])
                    return
                }
                var start = utf8.index(base, offsetBy: from)
                Self.forEachWordEnds(UnsafeBufferPointer(rebasing: buf[from..<to]), mode: TOK_SEG_MODE_HAT, maxBytes: 0) { ends in
                    for end in ends {
                        let e = utf8.index(base, offsetBy: from + end)
                        out.append(text[start..<e])
                        start = e
                    }
                }
            }
            return out
        } ?? split(text).map { Substring($0) }
    }

    /// The words of `text`, each cut to at most `maxBytesPerWord` bytes (hat-splitter's
    /// `split_with_limit`): at the last character boundary within the limit, or inside a character
    /// when the word's first character is longer than the limit.
    /// - Throws: ``TokError/Code/invalidArgument`` when `maxBytesPerWord` is less than 1.
    public func split(_ text: String, maxBytesPerWord: Int) throws(TokError) -> [[UInt8]] {
        try words(bytes: text.utf8, maxBytesPerWord: maxBytesPerWord).map { Array($0) }
    }

    /// The words of any bytes (invalid UTF-8 included) as one buffer and word offsets; with
    /// `maxBytesPerWord`, long words are cut as ``split(_:maxBytesPerWord:)`` does.
    /// - Throws: ``TokError/Code/invalidArgument`` when `maxBytesPerWord` is less than 1.
    public func words<Bytes: Sequence<UInt8>>(bytes: Bytes, maxBytesPerWord: Int? = nil) throws(TokError) -> WordSequence {
        if let m = maxBytesPerWord, m < 1 {
            throw TokError(.invalidArgument, "maxBytesPerWord must be at least 1, not \(m)")
        }
        return segment(bytes: bytes, maxBytesPerWord: maxBytesPerWord ?? 0)
    }

    /// The words of a text; see ``words(bytes:maxBytesPerWord:)``.
    public func words(_ text: String, maxBytesPerWord: Int? = nil) throws(TokError) -> WordSequence {
        try words(bytes: text.utf8, maxBytesPerWord: maxBytesPerWord)
    }

    /// The number of words, without building them.
    public func wordCount<Bytes: Sequence<UInt8>>(bytes: Bytes) -> Int {
        withBytes(bytes) { buf in
            var n = 0
            forEachOrdinaryRun(buf) { from, to, special in
                if special != nil { n += 1; return }
                n += tok_seg_count(buf.baseAddress.map { $0 + from }, to - from, Int32(TOK_SEG_MODE_HAT.rawValue), 0)
            }
            return n
        }
    }

    /// The UAX #29 default word segments of `bytes` (Unicode 16.0), spaces and punctuation included:
    /// the segmentation the HAT rule starts from. Special tokens are not considered.
    public static func unicodeWordSegments<Bytes: Sequence<UInt8>>(bytes: Bytes) -> [Range<Int>] {
        withBytes(bytes) { buf in
            var ends: [Int] = []
            appendEnds(buf, base: 0, mode: TOK_SEG_MODE_WORD_BOUNDS, maxBytes: 0, to: &ends)
            var out: [Range<Int>] = []
            out.reserveCapacity(ends.count)
            var start = 0
            for e in ends { out.append(start..<e); start = e }
            return out
        }
    }

    // MARK: - Internals

    func segment<Bytes: Sequence<UInt8>>(bytes: Bytes, maxBytesPerWord: Int) -> WordSequence {
        withBytes(bytes) { buf in
            var offsets: [Int] = [0]
            offsets.reserveCapacity(buf.count / 4 + 2)
            var specialAt: [Int: Int] = [:]
            forEachOrdinaryRun(buf) { from, to, special in
                if let special {
                    specialAt[offsets.count - 1] = special
                    offsets.append(to)
                    return
                }
                Self.appendEnds(UnsafeBufferPointer(rebasing: buf[from..<to]), base: from, mode: TOK_SEG_MODE_HAT,
                                maxBytes: maxBytesPerWord, to: &offsets)
            }
            var ids: [Int] = []
            if !specialAt.isEmpty {
                ids = [Int](repeating: -1, count: offsets.count - 1)
                for (k, id) in specialAt { ids[k] = id }
            }
            return WordSequence(bytes: Array(buf), offsets: offsets, specialIDs: ids)
        }
    }

    /// Calls body for each stretch of ordinary text (special == nil) and each special token (its id),
    /// in order, as byte ranges [from, to) of buf.
    func forEachOrdinaryRun(_ buf: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, Int?) -> Void) {
        var pos = 0
        if !specials.isEmpty {
            let all = specials.mask(.all)
            while let (start, k) = specials.find(in: buf, from: pos, mask: all) {
                if start > pos { body(pos, start, nil) }
                let end = start + specials.entries[k].bytes.count
                body(start, end, specials.entries[k].id)
                pos = end
            }
        }
        if pos < buf.count { body(pos, buf.count, nil) }
    }

    static func appendEnds(_ buf: UnsafeBufferPointer<UInt8>, base: Int, mode: tok_seg_mode, maxBytes: Int,
                           serially: Bool = false, to ends: inout [Int]) {
        guard buf.count > 0 else { return }
        // Large inputs are cut right after line feeds and split on all cores. This is exact: a
        // line feed ends a segment (WB3a), nothing after it looks back past it (it is not a
        // letter, digit or regional indicator), and in the HAT rule it is a white-space token, so
        // a word always starts right after it.
        let cores = _activeCores()
        if !serially && buf.count >= 4 << 20 && cores > 1 {
            let target = Swift.max(1 << 20, buf.count / (cores * 4))
            var cuts = [0]
            while let last = cuts.last, buf.count - last > target {
                guard let lf = UnsafeBufferPointer(rebasing: buf[(last + target)...]).firstIndex(of: 0x0A) else { break }
                cuts.append(last + target + lf + 1)
            }
            if cuts.last != buf.count { cuts.append(buf.count) }
            if cuts.count > 2 {
                let bounds = cuts, whole = _SharedBytes(buf: buf)
                let parts = _parallelMap(bounds.count - 1) { k -> [Int] in
                    var local: [Int] = []
                    local.reserveCapacity((bounds[k + 1] - bounds[k]) / 4)
                    appendEnds(UnsafeBufferPointer(rebasing: whole.buf[bounds[k]..<bounds[k + 1]]), base: base + bounds[k],
                               mode: mode, maxBytes: maxBytes, serially: true, to: &local)
                    return local
                }
                for p in parts { ends.append(contentsOf: p) }
                return
            }
        }
        forEachWordEnds(buf, mode: mode, maxBytes: maxBytes) { chunk in
            if base == 0 { ends.append(contentsOf: chunk) } else { for e in chunk { ends.append(e + base) } }
        }
    }

    /// Calls body with the end offsets (in buf) of the words of buf, in order, a buffer at a time.
    @inline(__always)
    static func forEachWordEnds(_ buf: UnsafeBufferPointer<UInt8>, mode: tok_seg_mode, maxBytes: Int,
                                _ body: (UnsafeBufferPointer<Int>) -> Void) {
        guard buf.count > 0 else { return }
        var it = tok_seg_iter()
        _ = tok_seg_init(&it, buf.baseAddress, buf.count, Int32(mode.rawValue), maxBytes)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 4096) { tmp in
            while true {
                let k = tok_seg_fill(&it, tmp.baseAddress, 4096)
                if k == 0 { break }
                body(UnsafeBufferPointer(rebasing: tmp[0..<k]))
            }
        }
    }
}

/// Read-only input bytes shared with the workers of a parallel split (alive for the whole call).
struct _SharedBytes: @unchecked Sendable { let buf: UnsafeBufferPointer<UInt8> }

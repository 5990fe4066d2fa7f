internal import CTokKernels
import Dispatch
import Synchronization

/// Token ids with the byte range of the input that each one covers.
public struct Encoding: Sendable, Equatable {
    /// The token ids.
    public let ids: [Int]
    /// For each id, the half-open byte range of the input it covers; the ranges tile the input.
    public let byteRanges: [Range<Int>]

    /// An encoding from ids and their byte ranges (empty when not tracked).
    public init(ids: [Int], byteRanges: [Range<Int>]) {
        self.ids = ids
        self.byteRanges = byteRanges
    }
}

extension Tokenizer {
    /// Encodes text with every special token treated as ordinary text (tiktoken's
    /// `encode_ordinary`).
    /// - Complexity: O(n log n) in the length of the longest pre-token piece, linear otherwise.
    public func encodeOrdinary(_ text: String) -> [Int] {
        withBytes(text) { try! encodeBuffer($0, allowed: nil, offsets: false).ids }
    }

    /// Encodes any bytes, valid UTF-8 or not; ``decodeBytes(_:)`` returns them unchanged.
    /// Ill-formed UTF-8 is pre-tokenized as U+FFFD would be, with the original bytes kept.
    public func encodeOrdinary<Bytes: Sequence<UInt8>>(bytes: Bytes) -> [Int] {
        withBytes(bytes) { try! encodeBuffer($0, allowed: nil, offsets: false).ids }
    }

    /// Encodes text, recognizing the allowed special tokens (tiktoken's `encode`).
    ///
    /// Text equal to a special token that is not allowed raises an error unless
    /// `disallowedSpecial` excludes it: pass `disallowedSpecial: .none` to encode it as text.
    /// - Throws: ``TokError/Code/disallowedSpecialToken`` with the byte offset of the token.
    public func encode(_ text: String, allowedSpecial: SpecialTokenSet = .none,
                       disallowedSpecial: SpecialTokenSet = .all) throws(TokError) -> [Int] {
        try encodeWithOffsets(text, allowedSpecial: allowedSpecial, disallowedSpecial: disallowedSpecial,
                              wantOffsets: false).ids
    }

    /// Encodes bytes as ``encode(_:allowedSpecial:disallowedSpecial:)`` does text.
    public func encode<Bytes: Sequence<UInt8>>(bytes: Bytes, allowedSpecial: SpecialTokenSet = .none,
                                               disallowedSpecial: SpecialTokenSet = .all) throws(TokError) -> [Int] {
        let (allowed, rejected) = specialMasks(allowedSpecial, disallowedSpecial)
        return try withBytesThrowing(bytes) { buf throws(TokError) in
            try rejectDisallowed(buf, rejected)
            return try encodeBuffer(buf, allowed: allowed, offsets: false).ids
        }
    }

    /// Encodes text and reports the byte range of the input each token covers.
    public func encodeWithOffsets(_ text: String, allowedSpecial: SpecialTokenSet = .none,
                                  disallowedSpecial: SpecialTokenSet = .all) throws(TokError) -> Encoding {
        try encodeWithOffsets(text, allowedSpecial: allowedSpecial, disallowedSpecial: disallowedSpecial,
                              wantOffsets: true)
    }

    /// Encodes bytes and reports the byte range of the input each token covers.
    public func encodeWithOffsets<Bytes: Sequence<UInt8>>(bytes: Bytes, allowedSpecial: SpecialTokenSet = .none,
                                                          disallowedSpecial: SpecialTokenSet = .all) throws(TokError) -> Encoding {
        let (allowed, rejected) = specialMasks(allowedSpecial, disallowedSpecial)
        return try withBytesThrowing(bytes) { buf throws(TokError) in
            try rejectDisallowed(buf, rejected)
            let r = try encodeBuffer(buf, allowed: allowed, offsets: true)
            return Encoding(ids: r.ids, byteRanges: ranges(r.starts, total: buf.count))
        }
    }

    /// Encodes many texts on all cores; the result is in input order and equal to encoding
    /// each text alone.
    public func encodeOrdinaryBatch(_ texts: [String]) -> [[Int]] {
        try! encodeBatch(texts, allowedSpecial: .none, disallowedSpecial: .none)
    }

    /// Encodes many texts on all cores, with special tokens as in
    /// ``encode(_:allowedSpecial:disallowedSpecial:)``; results in input order.
    /// - Throws: the error of the first text (in input order) that fails.
    public func encodeBatch(_ texts: [String], allowedSpecial: SpecialTokenSet = .none,
                            disallowedSpecial: SpecialTokenSet = .all) throws(TokError) -> [[Int]] {
        try _parallelMap(texts.count) { i throws(TokError) in
            try encode(texts[i], allowedSpecial: allowedSpecial, disallowedSpecial: disallowedSpecial)
        }
    }

    /// Encodes many byte strings on all cores; results in input order.
    public func encodeBatch<Bytes: Sequence<UInt8> & Sendable>(
        bytes inputs: [Bytes], allowedSpecial: SpecialTokenSet = .none, disallowedSpecial: SpecialTokenSet = .all
    ) throws(TokError) -> [[Int]] {
        try _parallelMap(inputs.count) { i throws(TokError) in
            try encode(bytes: inputs[i], allowedSpecial: allowedSpecial, disallowedSpecial: disallowedSpecial)
        }
    }

    /// Number of tokens ``encode(_:allowedSpecial:disallowedSpecial:)`` would return.
    public func count(_ text: String, allowedSpecial: SpecialTokenSet = .none,
                      disallowedSpecial: SpecialTokenSet = .all) throws(TokError) -> Int {
        try encode(text, allowedSpecial: allowedSpecial, disallowedSpecial: disallowedSpecial).count
    }

    // MARK: - internals

    private func encodeWithOffsets(_ text: String, allowedSpecial: SpecialTokenSet, disallowedSpecial: SpecialTokenSet,
                                   wantOffsets: Bool) throws(TokError) -> Encoding {
        let (allowed, rejected) = specialMasks(allowedSpecial, disallowedSpecial)
        return try withBytesThrowing(text.utf8) { buf throws(TokError) in
            try rejectDisallowed(buf, rejected)
            let r = try encodeBuffer(buf, allowed: allowed, offsets: wantOffsets)
            return Encoding(ids: r.ids, byteRanges: wantOffsets ? ranges(r.starts, total: buf.count) : [])
        }
    }

    /// (allowed mask, disallowed mask) with tiktoken's rule: "all" disallowed means every
    /// special token that is not allowed.
    func specialMasks(_ allowed: SpecialTokenSet, _ disallowed: SpecialTokenSet) -> ([Bool]?, [Bool]?) {
        if specials.isEmpty { return (nil, nil) }
        let a = specials.mask(allowed)
        let d = specials.mask(disallowed, excluding: a)
        return (a.contains(true) ? a : nil, d.contains(true) ? d : nil)
    }

    func rejectDisallowed(_ buf: UnsafeBufferPointer<UInt8>, _ mask: [Bool]?) throws(TokError) {
        guard let mask, let hit = specials.find(in: buf, from: 0, mask: mask) else { return }
        let text = specials.entries[hit.entry].text
        throw TokError(.disallowedSpecialToken,
                       "the text contains the special token \(text), which is not allowed here",
                       at: "byte \(hit.start)")
    }

    struct _Raw {
        var ids: [Int]
        var starts: [Int]
    }

    /// BPE alone on bytes taken as one pre-token piece (no pre-tokenization): what the rank
    /// encoder gives a piece. nil for tokenizer files (their models are not rank BPE).
    package func _bpeOnePiece(_ bytes: [UInt8]) -> [Int]? { bpePiece(bytes, reference: false) }

    /// ``_bpeOnePiece(_:)`` by the plain merge alone (no caches, no stitching of long pieces):
    /// the reference the tests hold the fast paths to.
    package func _bpeOnePieceReference(_ bytes: [UInt8]) -> [Int]? { bpePiece(bytes, reference: true) }

    private func bpePiece(_ bytes: [UInt8], reference: Bool) -> [Int]? {
        guard units == nil, !bytes.isEmpty, bytes.count < (1 << 31) else { return nil }
        let r: Result<[Int]?, TokError> = Result { () throws(TokError) -> [Int]? in
            try kernel.withScratch { sc throws(TokError) -> [Int]? in
                bytes.withUnsafeBufferPointer { b in
                    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: b.count) { out in
                        let n = reference
                            ? tok_bpe_piece_reference(kernel.vocab, b.baseAddress, b.count, out.baseAddress, sc)
                            : tok_bpe_piece(kernel.vocab, b.baseAddress, b.count, out.baseAddress, sc)
                        return n < 0 ? nil : (0..<n).map { Int(out[$0]) }
                    }
                }
            }
        }
        return (try? r.get()) ?? nil
    }

    /// The pairwise test: whether BPE alone on the bytes of mergeable token `a` followed by those
    /// of `b` gives [a, b] (memoized per thread in C). nil for tokenizer files and for ids that
    /// are not mergeable tokens.
    package func _isValidPair(_ a: Int, _ b: Int) -> Bool? {
        guard units == nil, a >= 0, b >= 0, a < mergeableCount, b < mergeableCount else { return nil }
        let r: Result<Int32, TokError> = Result { () throws(TokError) -> Int32 in
            try kernel.withScratch { sc in tok_bpe_pair_valid(kernel.vocab, UInt32(a), UInt32(b), sc) }
        }
        guard let v = try? r.get(), v >= 0 else { return nil }
        return v == 1
    }

    /// The ids of any bytes (special-token text as ordinary text) with a bitmap of the tokens'
    /// first bytes (bit p of word p / 64: a token starts at byte p), as the analytics take them.
    /// - Throws: ``TokError`` for an input of 4 GiB or more.
    /// The ids are the kernel's 32-bit values, no array of `Int`s made and converted back; the
    /// starts are marked as each batch comes (a bit a byte: 2 MB for 16 MB of text, where an
    /// array of 32-bit offsets took 16 MB of fresh pages).
    package func _encodeOrdinaryWithStartBits(_ buf: UnsafeBufferPointer<UInt8>) throws(TokError) -> (ids: [UInt32], startBits: [UInt64]) {
        if units != nil || buf.isEmpty {
            let r = try encodeBuffer(buf, allowed: nil, offsets: true)
            var bits = [UInt64](repeating: 0, count: (buf.count + 63) / 64)
            for p in r.starts where p < buf.count { bits[p >> 6] |= 1 << UInt64(p & 63) }
            return (r.ids.map { UInt32(truncatingIfNeeded: $0) }, bits)
        }
        guard buf.count < (1 << 32) else {
            throw TokError(.invalidArgument, "input of \(buf.count) bytes: one call encodes less than 4 GiB")
        }
        var bits = [UInt64](repeating: 0, count: (buf.count + 63) / 64)
        var ids: [UInt32] = []
        ids.reserveCapacity(buf.count / 4 + 16)
        try bits.withUnsafeMutableBufferPointer { b throws(TokError) in
            // the kernel sets each token's start bit itself (no offsets array, no second pass)
            try kernelEncode(buf, allowed: nil, offsets: false, startBits: b.baseAddress, batch: { i, _, _ in
                ids.append(contentsOf: i)
            }, special: { _, _ in })
        }
        return (ids, bits)
    }

    /// The encode loop: split at allowed special tokens, scanner + BPE on the text between.
    func encodeBuffer(_ buf: UnsafeBufferPointer<UInt8>, allowed: [Bool]?, offsets: Bool) throws(TokError) -> _Raw {
        let n = buf.count
        if n == 0 { return _Raw(ids: [], starts: []) }
        guard n < (1 << 32) else {
            throw TokError(.invalidArgument, "input of \(n) bytes: one call encodes less than 4 GiB")
        }
        var out = _Raw(ids: [], starts: [])
        if let units {
            if let whole = try units.encodeWhole(buf, specials: specials, allowed: allowed, offsets: offsets) {
                return whole
            }
            out.ids.reserveCapacity(n)
            var pos = 0
            if let allowed {
                while let hit = specials.find(in: buf, from: pos, mask: allowed) {
                    units.encode(buf, pos, hit.start, ids: &out.ids, starts: &out.starts, offsets: offsets)
                    let e = specials.entries[hit.entry]
                    out.ids.append(e.id)
                    if offsets { out.starts.append(hit.start) }
                    pos = hit.start + e.bytes.count
                }
            }
            units.encode(buf, pos, n, ids: &out.ids, starts: &out.starts, offsets: offsets)
            return out
        }
        out.ids.reserveCapacity(n / 4 + 16)
        if offsets { out.starts.reserveCapacity(n / 4 + 16) }
        try kernelEncode(buf, allowed: allowed, offsets: offsets, batch: { ids, starts, from in
            out.ids.append(contentsOf: ids.lazy.map { Int($0) })
            if let starts { out.starts.append(contentsOf: starts.lazy.map { Int($0) + from }) }
        }, special: { id, start in
            out.ids.append(id)
            if offsets { out.starts.append(start) }
        })
        return out
    }

    /// The kernel's encode loop over `buf` (a pattern tokenizer's, under 4 GiB): each batch of ids
    /// (with their starts relative to the third argument, when `offsets`) goes to `batch`, each
    /// allowed special token (id, start) to `special`, in order.
    private func kernelEncode(_ buf: UnsafeBufferPointer<UInt8>, allowed: [Bool]?, offsets: Bool,
                              startBits: UnsafeMutablePointer<UInt64>? = nil,
                              batch: (UnsafeBufferPointer<UInt32>, UnsafeBufferPointer<UInt32>?, Int) -> Void,
                              special: (Int, Int) -> Void) throws(TokError) {
        let n = buf.count
        try kernel.withScratch { scratch throws(TokError) in
            // ids come out of C in bounded batches, so memory follows the token count, not the
            // byte count; the buffer grows only for a single piece longer than it.
            var cap = Swift.min(n, 16_384)
            var ids = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: cap)
            var starts = offsets ? UnsafeMutableBufferPointer<UInt32>.allocate(capacity: cap) : nil
            defer {
                ids.deallocate()
                starts?.deallocate()
            }
            func ordinary(_ from: Int, _ to: Int) throws(TokError) {
                guard to > from else { return }
                let base = buf.baseAddress! + from
                let len = to - from
                var pos = 0
                while pos < len {
                    var need = 0
                    let r = startBits.map {   // bit p of startBits: a token starts at byte p of buf
                        tok_encode_ordinary_marking(kernel.vocab, pattern!.kernelID, base, len, &pos, ids.baseAddress,
                                                    $0, from, cap, &need, scratch)
                    } ?? tok_encode_ordinary(kernel.vocab, pattern!.kernelID, base, len, &pos, ids.baseAddress,
                                             starts?.baseAddress, cap, &need, scratch)
                    if r == TOK_E_CAPACITY {
                        // the kernel says how long the piece is (it has just scanned it)
                        cap = Swift.min(Swift.max(cap * 2, need), len - pos)
                        ids.deallocate()
                        ids = .allocate(capacity: cap)
                        if offsets {
                            starts?.deallocate()
                            starts = .allocate(capacity: cap)
                        }
                        continue
                    }
                    guard r >= 0 else {
                        throw TokError(.invalidArgument, r == TOK_E_NOMEM ? "out of memory" : "encoding failed (code \(r))")
                    }
                    batch(UnsafeBufferPointer(rebasing: ids[0..<r]),
                          starts.map { UnsafeBufferPointer(rebasing: $0[0..<r]) }, from)
                }
            }
            var pos = 0
            if let allowed {
                while let hit = specials.find(in: buf, from: pos, mask: allowed) {
                    try ordinary(pos, hit.start)
                    let e = specials.entries[hit.entry]
                    special(e.id, hit.start)
                    pos = hit.start + e.bytes.count
                }
            }
            try ordinary(pos, n)
        }
    }

    func ranges(_ starts: [Int], total: Int) -> [Range<Int>] {
        var r = [Range<Int>]()
        r.reserveCapacity(starts.count)
        for (i, s) in starts.enumerated() { r.append(s..<(i + 1 < starts.count ? starts[i + 1] : total)) }
        return r
    }
}

@inline(__always)
func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    withBytes(text.utf8, body)
}

func withBytesThrowing<Bytes: Sequence<UInt8>, R>(
    _ bytes: Bytes, _ body: (UnsafeBufferPointer<UInt8>) throws(TokError) -> R
) throws(TokError) -> R {
    let r: Result<R, TokError> = withBytes(bytes) { buf in
        do throws(TokError) { return .success(try body(buf)) } catch { return .failure(error) }
    }
    return try r.get()
}


extension Tokenizer {
    /// The pre-token pieces of the bytes under this tokenizer's split pattern, as byte ranges
    /// that tile the input (the units BPE merges within; tokens never cross them).
    /// For a character-level tokenizer: its units (bytes, scalars or grapheme clusters).
    public func preTokenize<Bytes: Sequence<UInt8>>(bytes: Bytes) -> [Range<Int>] {
        if let units { return withBytes(bytes) { units.units($0) } }
        let pattern = self.pattern!
        return withBytes(bytes) { buf in
            var out: [Range<Int>] = []
            pattern.appendPieces(of: buf, 0..<buf.count, to: &out)
            return out
        }
    }

    /// The pre-token pieces of a text.
    public func preTokenize(_ text: String) -> [Substring] {
        let utf8 = text.utf8
        return preTokenize(bytes: utf8).map { r in
            Substring(utf8[utf8.index(utf8.startIndex, offsetBy: r.lowerBound)..<utf8.index(utf8.startIndex, offsetBy: r.upperBound)])
        }
    }
}

internal import CTokKernels

/// A merge table owned by Swift, freed with its last reference.
final class _MergeTable: @unchecked Sendable {
    let handle: OpaquePointer

    init(expected: Int) throws(TokError) {
        guard let h = tok_merges_new(expected) else { throw TokError(.invalidArgument, "out of memory") }
        handle = h
    }

    deinit { tok_merges_free(handle) }

    func set(_ a: Int, _ b: Int, rank: Int, merged: Int) throws(TokError) {
        guard tok_merges_set(handle, UInt32(a), UInt32(b), UInt32(rank), UInt32(merged)) == 0 else {
            throw TokError(.invalidArgument, "out of memory")
        }
    }

    /// Merges ids (and their byte lengths) in place.
    func merge(_ ids: inout [UInt32], _ lens: inout [UInt32]) {
        let n = ids.count
        guard n > 1 else { return }
        let k = withUnsafeTemporaryAllocation(byteCount: tok_merge_work_size(n), alignment: 8) { work in
            ids.withUnsafeMutableBufferPointer { i in
                lens.withUnsafeMutableBufferPointer { l in
                    tok_merge_word(handle, i.baseAddress, l.baseAddress, n, work.baseAddress)
                }
            }
        }
        ids.removeLast(n - k)
        lens.removeLast(n - k)
    }
}

/// The model step of a pipeline: turns one pre-token piece into ids.
enum _PipelineModel: Sendable {
    case bpe(_BPE)
    case wordPiece(_WordPiece)
    case unigram(_Unigram)

    /// Encodes t.bytes[piece], appending ids and the text offset where each token starts.
    func encode(_ t: _Text, _ piece: Range<Int>, ids: inout [Int], starts: inout [Int]) {
        switch self {
        case .bpe(let m): m.encode(t, piece, ids: &ids, starts: &starts)
        case .wordPiece(let m): m.encode(t, piece, ids: &ids, starts: &starts)
        case .unigram(let m): m.encode(t, piece, ids: &ids, starts: &starts)
        }
    }
}

/// Byte strings to ids in the C kernel's map (`tok_strmap`): lookups without allocating or
/// hashing byte by byte, a concatenation included. Token texts and bytes of the pipelines (and
/// their per-text piece cache) are looked up here instead of in `[UInt8]`-keyed dictionaries.
final class _ByteMap: @unchecked Sendable {   // not changed once built, but for the piece cache's own
    let handle: OpaquePointer

    init(expected: Int) throws(TokError) {
        guard let h = tok_strmap_new(expected) else { throw TokError(.invalidArgument, "out of memory") }
        handle = h
    }

    deinit { tok_strmap_free(handle) }

    func set(_ key: [UInt8], _ id: Int) throws(TokError) {
        let rc = key.withUnsafeBufferPointer { tok_strmap_put(handle, $0.baseAddress, $0.count, UInt32(id)) }
        guard rc >= 0 else { throw TokError(.invalidArgument, "out of memory") }
    }

    func get(_ key: [UInt8]) -> Int? { key.withUnsafeBufferPointer { get($0) } }

    func get(_ key: ArraySlice<UInt8>) -> Int? { key.withUnsafeBufferPointer { get($0) } }

    func get(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        let v = tok_strmap_get(handle, key.baseAddress, key.count)
        return v < 0 ? nil : Int(v)
    }

    /// A map of raw token bytes by id (absent entries skipped).
    static func index(_ byID: _TokenTable) throws(TokError) -> _ByteMap {
        let m = try _ByteMap(expected: byID.count)
        for id in 0..<byID.count {
            _ = try byID.withBytes(id) { b throws(TokError) in
                guard tok_strmap_put(m.handle, b.baseAddress, b.count, UInt32(id)) >= 0 else {
                    throw TokError(.invalidArgument, "out of memory")
                }
            }
        }
        return m
    }

    /// A map of a dictionary's keys.
    convenience init(_ d: [[UInt8]: Int]) throws(TokError) {
        try self.init(expected: d.count)
        for (k, id) in d { try set(k, id) }
    }

    /// A table of the byte strings a C call reports by id (pointer and length per id).
    private static func byID(_ limit: Int, _ fill: (UnsafeMutablePointer<UnsafePointer<UInt8>?>, UnsafeMutablePointer<UInt32>) -> Int)
        -> (ok: Bool, _TokenTable)
    {
        guard limit > 0 else { return (true, _TokenTable()) }
        var ptrs = [UnsafePointer<UInt8>?](repeating: nil, count: limit)
        var lens = [UInt32](repeating: 0, count: limit)
        let rc = fill(&ptrs, &lens)
        return (rc >= 0, _TokenTable(pointers: ptrs, lengths: lens))
    }

    /// The keys by value, for values below `limit` (absent where no key has the value).
    func keysByValue(limit: Int) -> _TokenTable {
        Self.byID(limit) { Int(tok_strmap_by_value(handle, $0, $1, limit)) }.1
    }

    /// Fills this (empty) map with the bytes each token string of `strings` spells in the
    /// byte-level alphabet (others skipped), and returns those bytes by id.
    func byteLevelIndex(of strings: _TokenTable) throws(TokError) -> _TokenTable {
        var arena = [UInt8](repeating: 0, count: Swift.max(1, strings.byteCount))
        var spans = [UInt64](repeating: UInt64.max, count: strings.count)
        let n = strings.withParts { a, sp in
            arena.withUnsafeMutableBufferPointer { oa in
                spans.withUnsafeMutableBufferPointer { os in
                    tok_byte_level_table(a.baseAddress, sp.baseAddress, sp.count, handle, oa.baseAddress, os.baseAddress)
                }
            }
        }
        guard n >= 0 else { throw TokError(.invalidArgument, "out of memory") }
        var used = 0
        for s in spans where s != UInt64.max { used = Swift.max(used, Int(s >> 32) + Int(s & 0xFFFF_FFFF)) }
        arena.removeSubrange(used...)
        return _TokenTable(arena: arena, spans: spans)
    }

    /// The id of a·b.
    func get(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int? {
        let v = tok_strmap_get2(handle, a.baseAddress, a.count, b.baseAddress, b.count)
        return v < 0 ? nil : Int(v)
    }
}

/// Hugging Face's BPE model (and SentencePiece BPE, whose score order becomes pair ranks).
struct _BPE: Sendable {
    /// Token strings (as the file spells them) to ids.
    let vocab: _ByteMap
    let merges: _MergeTable
    /// Byte-level: the id of each byte's character, and raw token bytes to ids (the C map).
    let byteLevel: Bool
    let byteIDs: [Int]
    let rawIndex: _ByteMap?
    let unk: Int?
    let fuseUnk: Bool
    let byteFallback: [Int]?
    let prefix: [UInt8]?
    let suffix: [UInt8]?
    let ignoreMerges: Bool
    /// SentencePiece: ids of characters outside the vocabulary that still take part in merges
    /// (a virtual id each, above every real id), which fall back to bytes or unk when left alone.
    let virtualChars: [[UInt8]: Int]
    let virtualBase: Int

    func encode(_ t: _Text, _ piece: Range<Int>, ids: inout [Int], starts: inout [Int]) {
        if byteLevel && prefix == nil && suffix == nil {
            let bytes = t.bytes[piece]
            if ignoreMerges, let index = rawIndex, let id = bytes.withUnsafeBufferPointer({ index.get($0) }) {
                ids.append(id)
                starts.append(piece.lowerBound)
                return
            }
            if bytes.allSatisfy({ byteIDs[Int($0)] >= 0 }) {
                var sym = bytes.map { UInt32(byteIDs[Int($0)]) }
                var lens = [UInt32](repeating: 1, count: sym.count)
                merges.merge(&sym, &lens)
                var pos = piece.lowerBound
                for (s, l) in zip(sym, lens) {
                    ids.append(Int(s))
                    starts.append(pos)
                    pos += Int(l)
                }
                return
            }
        }
        // Character symbols: prefix on all but the first, suffix on the last; unknown characters
        // fall back to byte tokens or unk (fused when asked).
        if ignoreMerges, let id = byteLevel ? vocab.get(_ByteLevelMap.encode(t.bytes[piece])) : vocab.get(t.bytes[piece]) {
            ids.append(id)
            starts.append(piece.lowerBound)
            return
        }
        var sym: [UInt32] = []
        var lens: [UInt32] = []
        sym.reserveCapacity(piece.count)
        lens.reserveCapacity(piece.count)
        if !byteLevel && prefix == nil && suffix == nil {
            // The characters as they are (SentencePiece, plain BPE): looked up in place.
            var pendingUnk: (id: Int, len: Int)? = nil
            t.bytes.withUnsafeBufferPointer { tb in
                _Text.forEachChar(tb, piece.lowerBound, piece.upperBound) { c in
                    let key = UnsafeBufferPointer(rebasing: tb[c.start..<c.end])
                    if let id = vocab.get(key) ?? (virtualChars.isEmpty ? nil : virtualChars[Array(key)]) {
                        if let u = pendingUnk { sym.append(UInt32(u.id)); lens.append(UInt32(u.len)); pendingUnk = nil }
                        sym.append(UInt32(id))
                        lens.append(UInt32(c.count))
                    } else if let fb = byteFallback, !fb.isEmpty {
                        if let u = pendingUnk { sym.append(UInt32(u.id)); lens.append(UInt32(u.len)); pendingUnk = nil }
                        for b in key { sym.append(UInt32(fb[Int(b)])); lens.append(1) }
                    } else if let unk {
                        if let u0 = pendingUnk, fuseUnk {
                            pendingUnk = (u0.id, u0.len + c.count)
                        } else {
                            if let u = pendingUnk { sym.append(UInt32(u.id)); lens.append(UInt32(u.len)) }
                            pendingUnk = (unk, c.count)
                        }
                    }
                }
            }
            if let u = pendingUnk { sym.append(UInt32(u.id)); lens.append(UInt32(u.len)) }
            emit(&sym, &lens, t, piece, ids: &ids, starts: &starts)
            return
        }
        let chars = t.chars(piece)
        var pendingUnk: (id: Int, len: Int)? = nil
        func flushUnk() {
            if let u = pendingUnk { sym.append(UInt32(u.id)); lens.append(UInt32(u.len)); pendingUnk = nil }
        }
        var charUnits: [(bytes: [UInt8], len: Int)] = []
        if byteLevel {
            for b in t.bytes[piece] { charUnits.append((UTF8.bytes(of: _ByteLevelMap.charOfByte[Int(b)]), 1)) }
        } else {
            for c in chars { charUnits.append((Array(t.bytes[c.start..<c.end]), c.count)) }
        }
        for (k, u) in charUnits.enumerated() {
            var s = u.bytes
            if k > 0, let prefix { s = prefix + s }
            if k == charUnits.count - 1, let suffix { s += suffix }
            if let id = vocab.get(s) ?? virtualChars[s] {
                flushUnk()
                sym.append(UInt32(id))
                lens.append(UInt32(u.len))
                continue
            }
            if let fb = byteFallback, !fb.isEmpty {
                flushUnk()
                for (j, b) in s.enumerated() { sym.append(UInt32(fb[Int(b)])); lens.append(j < u.len ? 1 : 0) }
                continue
            }
            if let unk {
                if let u0 = pendingUnk, fuseUnk { pendingUnk = (u0.id, u0.len + u.len) } else { flushUnk(); pendingUnk = (unk, u.len) }
            }
        }
        flushUnk()
        emit(&sym, &lens, t, piece, ids: &ids, starts: &starts)
    }

    /// Merges the symbols of a piece and appends the ids with their starts (a virtual character
    /// left alone falls back to bytes or unk).
    private func emit(_ sym: inout [UInt32], _ lens: inout [UInt32], _ t: _Text, _ piece: Range<Int>,
                      ids: inout [Int], starts: inout [Int]) {
        merges.merge(&sym, &lens)
        var pos = piece.lowerBound
        var lastUnk = false    // the last id this piece gave is unk (fused with a following one)
        for (s, l) in zip(sym, lens) {
            var id = Int(s)
            let start = pos
            pos += Int(l)
            if id >= virtualBase {
                // A character outside the vocabulary that merged with nothing (SentencePiece).
                if let fb = byteFallback, !fb.isEmpty {
                    for p in start..<pos { ids.append(fb[Int(t.bytes[p])]); starts.append(p) }
                    lastUnk = false
                    continue
                }
                guard let unk else { continue }
                id = unk
            }
            if id == unk && fuseUnk && lastUnk { continue }
            lastUnk = id == unk
            ids.append(id)
            starts.append(start)
        }
    }
}

/// Hugging Face's WordPiece model: greedy longest match first, `##` on continuations, the whole
/// word as unk when any part has no token or it is too long.
struct _WordPiece: Sendable {
    let vocab: [[UInt8]: Int]
    let unk: Int
    let prefix: [UInt8]
    let maxChars: Int

    func encode(_ t: _Text, _ piece: Range<Int>, ids: inout [Int], starts: inout [Int]) {
        let chars = t.chars(piece)
        if chars.count > maxChars {
            ids.append(unk)
            starts.append(piece.lowerBound)
            return
        }
        var found: [(Int, Int)] = []
        var a = 0
        while a < chars.count {
            var b = chars.count
            var hit: Int? = nil
            while a < b {
                var s = Array(t.bytes[chars[a].start..<chars[b - 1].end])
                if a > 0 { s = prefix + s }
                if let id = vocab[s] { hit = id; break }
                b -= 1
            }
            guard let id = hit else {
                ids.append(unk)
                starts.append(piece.lowerBound)
                return
            }
            found.append((id, chars[a].start))
            a = b
        }
        for (id, s) in found { ids.append(id); starts.append(s) }
    }
}

/// A Unigram model (Hugging Face `Unigram`, SentencePiece `UNIGRAM`): the segmentation with the
/// highest total score (Viterbi; ties go to the earliest start of the last piece); characters no
/// piece covers become unk with score `min score − 10`, runs of them fused, or byte tokens when
/// byte fallback is on. Path scores add up in the reference's precision: `f64` in tokenizers,
/// `float` in SentencePiece, whose ties (a run of one repeated piece) fall differently.
struct _Unigram: Sendable {
    let vocab: _ByteMap
    let scores: [Double]
    let unk: Int
    let byteFallback: [Int]?
    let maxPieceBytes: Int
    let unkScore: Double
    let singlePrecision: Bool

    func encode(_ t: _Text, _ piece: Range<Int>, ids: inout [Int], starts: inout [Int]) {
        let chars = t.chars(piece)
        let n = chars.count
        guard n > 0 else { return }
        let back = singlePrecision ? viterbi(t, chars, Float.self) : viterbi(t, chars, Double.self)
        var segs: [(Int, Int)] = []
        var k = n
        while k > 0 { let (a, id) = back[k]; segs.append((a, id)); k = a }
        segs.reverse()
        var i = 0
        while i < segs.count {
            let (a, id) = segs[i]
            if id >= 0 { ids.append(id); starts.append(chars[a].start); i += 1; continue }
            // a run of unknown characters
            var j = i
            while j + 1 < segs.count && segs[j + 1].1 < 0 { j += 1 }
            let end = j + 1 < segs.count ? chars[segs[j + 1].0].start : chars[n - 1].end
            if let fb = byteFallback, !fb.isEmpty {
                for p in chars[a].start..<end { ids.append(fb[Int(t.bytes[p])]); starts.append(p) }
            } else {
                ids.append(unk)
                starts.append(chars[a].start)
            }
            i = j + 1
        }
    }

    /// back[k]: the start (in characters) and id (-1: unk) of the last piece of the best
    /// segmentation of chars[0..<k], scores added in S.
    private func viterbi<S: BinaryFloatingPoint>(_ t: _Text, _ chars: [_Text.Char], _: S.Type) -> [(Int, Int)] {
        let n = chars.count
        var best = [S](repeating: -.infinity, count: n + 1)
        var back = [(Int, Int)](repeating: (0, -1), count: n + 1)
        best[0] = 0
        t.bytes.withUnsafeBufferPointer { b in
            for a in 0..<n where best[a] > -.infinity {
                var hasSingle = false
                var e = a
                while e < n, chars[e].end - chars[a].start <= maxPieceBytes {
                    if let id = vocab.get(UnsafeBufferPointer(rebasing: b[chars[a].start..<chars[e].end])) {
                        if e == a { hasSingle = true }
                        let v = best[a] + S(scores[id])
                        if v > best[e + 1] { best[e + 1] = v; back[e + 1] = (a, id) }
                    }
                    e += 1
                }
                if !hasSingle {
                    let v = best[a] + S(unkScore)
                    if v > best[a + 1] { best[a + 1] = v; back[a + 1] = (a, -1) }
                }
            }
        }
        return back
    }
}

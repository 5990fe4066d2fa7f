internal import CTokKernels

/// A token added on top of the model (Hugging Face `added_tokens`, SentencePiece user-defined
/// symbols): found in the text before anything else runs.
struct _AddedToken: Sendable {
    let content: [UInt8]
    let id: Int
    let special: Bool
    let singleWord: Bool
    let lstrip: Bool
    let rstrip: Bool
    let normalized: Bool
}

/// Which special added tokens a call may match (non-special ones always may).
enum _AddedScope {
    case ordinary
    case all
    case some(Set<Int>)
}

/// Added tokens matched at one stage (raw input or normalized text), with the masks of the two
/// common scopes made once at load.
struct _AddedSet: Sendable {
    let matcher: _SpecialMatcher
    let ordinary: [Bool]
    let all: [Bool]
    let special: [Bool]

    init(_ tokens: [_AddedToken]) {
        matcher = _SpecialMatcher(Dictionary(tokens.map { (String(decoding: $0.content, as: UTF8.self), $0.id) },
                                             uniquingKeysWith: { a, _ in a }))
        let byID = Dictionary(tokens.map { ($0.id, $0.special) }, uniquingKeysWith: { a, _ in a })
        special = matcher.entries.map { byID[$0.id] ?? false }
        ordinary = special.map { !$0 }
        all = special.map { _ in true }
    }

    func mask(_ scope: _AddedScope) -> [Bool] {
        switch scope {
        case .ordinary: return ordinary
        case .all: return all
        case .some(let ids): return matcher.entries.indices.map { !special[$0] || ids.contains(matcher.entries[$0].id) }
        }
    }
}

/// A loaded tokenizer pipeline: added tokens → normalizer → pre-tokenizer → model, and the
/// decoder for the way back. Built by the `tokenizer.json` and SentencePiece loaders.
struct _Pipeline: _SwiftModel {
    let added: [_AddedToken]
    let addedRaw: _AddedSet          // tokens matched on the input as it is
    let addedNormalized: _AddedSet   // tokens matched after normalization
    let addedByID: [Int: _AddedToken]
    let normalizer: _Normalizer?
    let preTokenizer: _PreTokenizer?
    let model: _PipelineModel
    let decoder: _Decoder?
    /// Each id's token string as the file spells it (absent for unused ids).
    let tokens: _TokenTable
    /// Each id's bytes in decoded output (byte-level strings mapped back, `▁` as space, byte
    /// tokens as their byte).
    let tokenOutput: _TokenTable
    /// Output bytes → the ordinary id the encoder produces for them (C map).
    let outputIndex: _ByteMap
    /// Further ordinary ids whose output is the same bytes as the index's (byte tokens mostly).
    let otherOutputIDs: [[UInt8]: [Int]]
    let maxLen: Int
    var padding: Padding? = nil
    var truncation: Truncation? = nil
    var postProcessor: PostProcessor? = nil

    var ordinaryLimit: Int { tokens.count }
    var idLimit: Int { tokens.count }
    var maxTokenLength: Int { maxLen }

    func tokenBytes(_ id: Int) -> [UInt8]? { tokenOutput[id] }

    func id(for bytes: [UInt8]) -> Int? { bytes.withUnsafeBufferPointer { outputIndex.get($0) } }

    func otherIDs(for bytes: [UInt8]) -> [Int] { otherOutputIDs[bytes] ?? [] }

    func encode(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, ids: inout [Int], starts: inout [Int],
                offsets: Bool) {
        encodeSegment(buf, from, to, scope: .ordinary, ids: &ids, starts: &starts)
    }

    func units(_ buf: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        guard buf.count > 0 else { return [] }
        var t = _Text(buf, 0, buf.count)
        if let normalizer { t = normalizer.apply(t) }
        var pieces = t.bytes.isEmpty ? [] : [0..<t.bytes.count]
        preTokenizer?.apply(&t, &pieces)
        return pieces.map { p in t.origin[p.lowerBound]..<(p.upperBound < t.bytes.count ? t.origin[p.upperBound] : buf.count) }
    }

    func encodeWhole(_ buf: UnsafeBufferPointer<UInt8>, specials: _SpecialMatcher, allowed: [Bool]?, offsets: Bool)
        throws(TokError) -> Tokenizer._Raw?
    {
        // Which special tokens may match; non-special added tokens always do.
        let scope: _AddedScope
        if let allowed {
            if allowed.allSatisfy({ $0 }) {
                scope = .all
            } else {
                scope = .some(Set(specials.entries.indices.filter { allowed[$0] }.map { specials.entries[$0].id }))
            }
        } else {
            scope = .ordinary
        }
        var raw = Tokenizer._Raw(ids: [], starts: [])
        raw.ids.reserveCapacity(buf.count / 3 + 8)
        raw.starts.reserveCapacity(buf.count / 3 + 8)
        encodeSegment(buf, 0, buf.count, scope: scope, ids: &raw.ids, starts: &raw.starts)
        return raw
    }

    /// Hugging Face's added-token split: leftmost-longest matches, single-word and strip rules.
    func findAdded(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ set: _AddedSet,
                   _ scope: _AddedScope) -> [(Range<Int>, Int?)] {
        var out: [(Range<Int>, Int?)] = []
        let matcher = set.matcher
        guard !matcher.isEmpty else { return [(range, nil)] }
        let mask = set.mask(scope)
        guard mask.contains(true) else { return [(range, nil)] }
        let sub = UnsafeBufferPointer(rebasing: bytes[range.lowerBound..<range.upperBound])
        var startOffset = 0
        var from = 0
        while let hit = matcher.find(in: sub, from: from, mask: mask) {
            let e = matcher.entries[hit.entry]
            let a = addedByID[e.id]!
            var start = hit.start, stop = hit.start + e.bytes.count
            from = stop
            if a.singleWord {
                let before = start == 0 || !Self.endsWithWord(sub, 0, start)
                let after = stop == sub.count || !Self.startsWithWord(sub, stop, sub.count)
                if !before || !after { continue }
            }
            if a.lstrip {
                var s = start
                while s > 0, let c = Self.charBefore(sub, s), c.scalar.isWhiteSpace { s = c.start }
                start = Swift.max(s, startOffset)
            }
            if a.rstrip {
                while stop < sub.count {
                    var c: _Text.Char?
                    _Text.forEachChar(sub, stop, Swift.min(sub.count, stop + 4)) { ch in if c == nil { c = ch } }
                    guard let ch = c, !ch.isInvalid, ch.scalar.isWhiteSpace else { break }
                    stop = ch.end
                }
            }
            if startOffset < start { out.append(((range.lowerBound + startOffset)..<(range.lowerBound + start), nil)) }
            out.append(((range.lowerBound + start)..<(range.lowerBound + stop), e.id))
            startOffset = stop
            from = Swift.max(from, stop)
        }
        if startOffset < sub.count { out.append(((range.lowerBound + startOffset)..<range.upperBound, nil)) }
        return out
    }

    static func charBefore(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> _Text.Char? {
        guard i > 0 else { return nil }
        var s = i - 1
        while s > 0, i - s < 4, b[s] & 0xC0 == 0x80 { s -= 1 }
        var last: _Text.Char?
        _Text.forEachChar(b, s, i) { last = $0 }
        return last
    }

    static func isWordChar(_ c: _Text.Char) -> Bool { !c.isInvalid && (c.scalar.isAlphanumeric || c.scalar == "_") }

    static func endsWithWord(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        guard let c = charBefore(b, to), c.start >= from else { return false }
        return isWordChar(c)
    }

    static func startsWithWord(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        var first: _Text.Char?
        _Text.forEachChar(b, from, Swift.min(to, from + 4)) { if first == nil { first = $0 } }
        return first.map(isWordChar) ?? false
    }

    /// Encodes buf[from..<to]: raw added tokens, then per remaining segment normalization,
    /// normalized added tokens, pre-tokenization and the model. `scope`: which special tokens
    /// is matched (non-special added tokens still are).
    func encodeSegment(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, scope: _AddedScope,
                       ids: inout [Int], starts: inout [Int]) {
        var cache: _PieceCache? = nil     // made once a text has many pieces
        for (range, id) in findAdded(buf, from..<to, addedRaw, scope) {
            if let id { ids.append(id); starts.append(range.lowerBound); continue }
            var t = _Text(buf, range.lowerBound, range.upperBound)
            if let normalizer { t = normalizer.apply(t) }
            let parts: [(Range<Int>, Int?)] = t.bytes.withUnsafeBufferPointer { b in
                findAdded(b, 0..<b.count, addedNormalized, scope)
            }
            for (r, aid) in parts {
                if let aid { ids.append(aid); starts.append(t.origin[r.lowerBound]); continue }
                // The whole normalized text (no added token in it) is used as it is, not copied.
                var sub = r == 0..<t.bytes.count ? t : _Text(bytes: Array(t.bytes[r]), origin: Array(t.origin[r]))
                var pieces = sub.bytes.isEmpty ? [] : [0..<sub.bytes.count]
                preTokenizer?.apply(&sub, &pieces)
                var pstarts: [Int] = []
                if cache == nil, pieces.count >= 64 { cache = _PieceCache() }
                for p in pieces {
                    pstarts.removeAll(keepingCapacity: true)
                    let first = ids.count
                    if let c = cache, c.lookup(sub.bytes, p, ids: &ids, starts: &pstarts) {
                        // a piece seen before in this text: the same ids, the same relative starts
                    } else {
                        model.encode(sub, p, ids: &ids, starts: &pstarts)
                        cache?.store(sub.bytes, p, ids: ids[first...], starts: pstarts)
                    }
                    for s in pstarts { starts.append(s < sub.origin.count ? sub.origin[s] : (sub.origin.last ?? range.lowerBound)) }
                }
            }
        }
        // Normalization can reorder origins slightly (a prepended character); keep them monotone.
        var k = starts.count - 1
        while k > 0 { if starts[k - 1] > starts[k] { starts[k - 1] = starts[k] }; k -= 1 }
    }
}

/// The ids of pieces already encoded in one text, by the piece's bytes: a model encodes a piece
/// from its bytes alone, so a repeated word costs one map lookup. Pieces up to 64 bytes, up to
/// 2^18 of them (the cache stops growing after that).
final class _PieceCache {
    private let map: _ByteMap
    private var spans: [(start: Int32, count: Int32)] = []
    private var cachedIDs: [Int32] = []
    private var cachedOffsets: [Int32] = []
    static let maxPiece = 64, maxEntries = 1 << 18

    init?() {
        guard let m = try? _ByteMap(expected: 4096) else { return nil }
        map = m
    }

    /// Appends the cached ids of bytes[piece] and their starts (in the text's coordinates).
    func lookup(_ bytes: [UInt8], _ piece: Range<Int>, ids: inout [Int], starts: inout [Int]) -> Bool {
        guard piece.count <= Self.maxPiece,
              let e = bytes.withUnsafeBufferPointer({ map.get(UnsafeBufferPointer(rebasing: $0[piece])) }) else { return false }
        let span = spans[e]
        for k in Int(span.start)..<Int(span.start + span.count) {
            ids.append(Int(cachedIDs[k]))
            starts.append(piece.lowerBound + Int(cachedOffsets[k]))
        }
        return true
    }

    /// Remembers what the model produced for bytes[piece].
    func store(_ bytes: [UInt8], _ piece: Range<Int>, ids: ArraySlice<Int>, starts: [Int]) {
        guard piece.count <= Self.maxPiece, spans.count < Self.maxEntries, ids.count == starts.count,
              ids.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }) else { return }
        guard (try? map.set(Array(bytes[piece]), spans.count)) != nil else { return }
        spans.append((Int32(cachedIDs.count), Int32(ids.count)))
        for (id, s) in zip(ids, starts) {
            cachedIDs.append(Int32(id))
            cachedOffsets.append(Int32(s - piece.lowerBound))
        }
    }
}

/// Byte strings by id in one buffer (a span per id): the token texts and output bytes of a
/// pipeline, without an array (and its header) per token.
struct _TokenTable: Sendable {
    private var arena: [UInt8] = []
    /// Per id: offset << 32 | length, or `absent`.
    private var spans: [UInt64] = []
    private static let absent = UInt64.max

    init() {}

    /// A table of the given byte strings (nil: no token with that id).
    init(_ items: [[UInt8]?]) {
        spans.reserveCapacity(items.count)
        for item in items { append(item) }
    }

    /// A table from strings a C call reports by id (pointer and length; nil pointers are absent).
    init(pointers: [UnsafePointer<UInt8>?], lengths: [UInt32]) {
        spans.reserveCapacity(pointers.count)
        var total = 0
        for (p, n) in zip(pointers, lengths) where p != nil { total += Int(n) }
        arena.reserveCapacity(total)
        for (p, n) in zip(pointers, lengths) {
            guard let p else { spans.append(Self.absent); continue }
            spans.append(UInt64(arena.count) << 32 | UInt64(n))
            arena.append(contentsOf: UnsafeBufferPointer(start: p, count: Int(n)))
        }
    }

    var count: Int { spans.count }

    /// Bytes in the arena (what a table derived from this one needs at most, one byte per byte).
    var byteCount: Int { arena.count }

    /// A table from its parts (spans as offset << 32 | length, UInt64.max for no token).
    init(arena: [UInt8], spans: [UInt64]) {
        self.arena = arena
        self.spans = spans
    }

    /// Calls body with the arena and the spans (for the C kernels).
    func withParts<R>(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt64>) -> R) -> R {
        arena.withUnsafeBufferPointer { a in spans.withUnsafeBufferPointer { body(a, $0) } }
    }

    /// Appends the next id's bytes (nil: no token).
    mutating func append(_ bytes: [UInt8]?) {
        guard let bytes else { spans.append(Self.absent); return }
        spans.append(UInt64(arena.count) << 32 | UInt64(bytes.count))
        arena.append(contentsOf: bytes)
    }

    /// Appends the next id's bytes from a buffer.
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        spans.append(UInt64(arena.count) << 32 | UInt64(bytes.count))
        arena.append(contentsOf: bytes)
    }

    func contains(_ id: Int) -> Bool { id >= 0 && id < spans.count && spans[id] != Self.absent }

    /// The bytes of `id` (a new array), or nil.
    subscript(id: Int) -> [UInt8]? {
        guard contains(id) else { return nil }
        let s = spans[id]
        let off = Int(s >> 32), n = Int(s & 0xFFFF_FFFF)
        return Array(arena[off..<(off + n)])
    }

    /// The length of `id`'s bytes, or nil.
    func length(_ id: Int) -> Int? { contains(id) ? Int(spans[id] & 0xFFFF_FFFF) : nil }

    /// Calls body with `id`'s bytes in place; nil when there is no token.
    func withBytes<R>(_ id: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(TokError) -> R) throws(TokError) -> R? {
        guard contains(id) else { return nil }
        let s = spans[id]
        let off = Int(s >> 32), n = Int(s & 0xFFFF_FFFF)
        return try withBuffer(arena) { a throws(TokError) in try body(UnsafeBufferPointer(rebasing: a[off..<(off + n)])) }
    }
}

/// Typed-throws access to an array's buffer.
func withBuffer<R>(_ a: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) throws(TokError) -> R) throws(TokError) -> R {
    let r: Result<R, TokError> = a.withUnsafeBufferPointer { b in Result { () throws(TokError) in try body(b) } }
    return try r.get()
}

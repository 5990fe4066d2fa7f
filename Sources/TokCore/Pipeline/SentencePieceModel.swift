import Foundation

/// SentencePiece's normalizer: the precompiled character map (longest match, rewritten), then
/// its whitespace rules: leading, trailing and repeated spaces dropped, a dummy `▁` in front,
/// spaces escaped as `▁`.
struct _SPMNormalizer: Sendable {
    let charsmap: _CharsMap?
    let addDummyPrefix: Bool
    let removeExtraWhitespaces: Bool
    let escapeWhitespaces: Bool
    let treatWhitespaceAsSuffix: Bool

    static let space: [UInt8] = [0xE2, 0x96, 0x81]   // ▁

    /// The output being built, one normalized unit at a time (a struct, so that no closure
    /// captures mutable state).
    private struct Builder {
        var bytes: [UInt8] = [], origin: [Int] = []
        var leading: Bool          // still skipping units that are a single space
        var any = false            // a unit has been kept
        var prevSpace: Bool
        let ws: [UInt8]
        let n: _SPMNormalizer

        mutating func unit(_ u: UnsafeBufferPointer<UInt8>, _ o: Int) {
            if leading {
                if u.count == 1 && u[0] == 0x20 { return }
                leading = false
            }
            if !any {
                any = true
                if !n.treatWhitespaceAsSuffix && n.addDummyPrefix {
                    bytes += ws
                    origin += repeatElement(o, count: ws.count)
                }
            }
            var a = 0
            if prevSpace { while a < u.count, u[a] == 0x20 { a += 1 } }
            if a < u.count {
                for j in a..<u.count {
                    let byte = u[j]
                    if n.escapeWhitespaces && byte == 0x20 {
                        bytes += ws
                        origin += repeatElement(o, count: ws.count)
                    } else {
                        bytes.append(byte)
                        origin.append(o)
                    }
                }
                prevSpace = u[u.count - 1] == 0x20
            }
            if !n.removeExtraWhitespaces { prevSpace = false }
        }
    }

    func apply(_ t: _Text) -> _Text {
        // One pass over the normalized units (one per input character or charsmap match, each
        // with the input offset it starts at): leading spaces dropped, the dummy prefix before the
        // first unit kept, runs of spaces collapsed, spaces escaped as ▁, trailing ones dropped.
        let ws = escapeWhitespaces ? Self.space : [0x20]
        var out = Builder(leading: removeExtraWhitespaces, prevSpace: removeExtraWhitespaces, ws: ws, n: self)
        out.bytes.reserveCapacity(t.bytes.count + t.bytes.count / 4 + 3)
        out.origin.reserveCapacity(t.bytes.count + t.bytes.count / 4 + 3)
        let strings = charsmap?.strings ?? []
        t.bytes.withUnsafeBufferPointer { b in
            strings.withUnsafeBufferPointer { st in
                var i = 0
                while i < b.count {
                    if let (len, repl) = charsmap?.longestMatchRange(b, i) {
                        out.unit(UnsafeBufferPointer(rebasing: st[repl]), t.origin[i])
                        i += len
                    } else {
                        var e = i + 1
                        if b[i] >= 0x80 {
                            var ch: _Text.Char?
                            _Text.forEachChar(b, i, Swift.min(b.count, i + 4)) { x in if ch == nil { ch = x } }
                            e = ch!.end
                        }
                        out.unit(UnsafeBufferPointer(rebasing: b[i..<e]), t.origin[i])
                        i = e
                    }
                }
            }
        }
        guard out.any else { return _Text(bytes: [], origin: []) }
        var bytes = out.bytes, origin = out.origin
        out = Builder(leading: false, prevSpace: false, ws: [], n: self)    // drop the builder's references
        if removeExtraWhitespaces {
            while bytes.count >= ws.count, bytes.suffix(ws.count).elementsEqual(ws) {
                bytes.removeLast(ws.count)
                origin.removeLast(ws.count)
            }
        }
        if treatWhitespaceAsSuffix && addDummyPrefix {
            let o = origin.last ?? 0
            bytes += ws
            origin += repeatElement(o, count: ws.count)
        }
        return _Text(bytes: bytes, origin: origin)
    }
}

/// A precompiled character map: a double-array trie (Darts) of source strings whose values
/// point at NUL-terminated replacements.
struct _CharsMap: Sendable {
    let units: [UInt32]
    let strings: [UInt8]

    /// Whether some source string starts with each byte (the others skip the trie).
    let starts: [Bool]

    init?(_ blob: [UInt8]) {
        guard blob.count >= 4 else { return nil }
        let size = Int(UInt32(blob[0]) | UInt32(blob[1]) << 8 | UInt32(blob[2]) << 16 | UInt32(blob[3]) << 24)
        guard size % 4 == 0, size + 4 <= blob.count else { return nil }
        var u: [UInt32] = []
        u.reserveCapacity(size / 4)
        var i = 4
        while i < 4 + size {
            u.append(UInt32(blob[i]) | UInt32(blob[i + 1]) << 8 | UInt32(blob[i + 2]) << 16 | UInt32(blob[i + 3]) << 24)
            i += 4
        }
        units = u
        strings = Array(blob[(4 + size)...])
        var first = [Bool](repeating: false, count: 256)
        if !u.isEmpty {
            let root = Int((u[0] >> 10) << ((u[0] & (1 << 9)) >> 6))
            for c in 1..<256 {
                let pos = root ^ c
                if pos >= 0, pos < u.count, Int(u[pos] & ((1 << 31) | 0xFF)) == c { first[c] = true }
            }
        }
        starts = first
    }

    /// Walks the trie along b[i..<end] (stopping at a NUL byte) and calls `leaf` with the length
    /// and value of each source string that b[i...] starts with, shortest first, until it returns
    /// false.
    private func prefixMatches(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int, _ leaf: (Int, Int) -> Bool) {
        guard !units.isEmpty, i < end, starts[Int(b[i])] else { return }
        func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }
        var pos = offset(units[0])
        var k = i
        while k < end {
            let c = Int(b[k])
            if c == 0 { return }
            pos ^= c
            guard pos >= 0, pos < units.count else { return }
            let u = units[pos]
            if Int(u & ((1 << 31) | 0xFF)) != c { return }
            pos ^= offset(u)
            if (u >> 8) & 1 == 1, pos < units.count, !leaf(k - i + 1, Int(units[pos] & 0x7FFF_FFFF)) { return }
            k += 1
        }
    }

    /// The NUL-terminated replacement at `v` in `strings`, or nil for a value out of range.
    private func replacement(_ v: Int) -> Range<Int>? {
        guard v < strings.count else { return nil }
        var e = v
        while e < strings.count, strings[e] != 0 { e += 1 }
        return v..<e
    }

    /// The replacement of the shortest source string that b[i..<end] starts with, as Hugging
    /// Face's Precompiled normalizer takes it (the first result of a common-prefix search).
    func shortestMatch(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Range<Int>? {
        var first: Int? = nil
        prefixMatches(b, i, end) { _, v in first = v; return false }
        return first.flatMap(replacement)
    }

    /// The longest source string at b[i...] (SentencePiece's own rule): its length and the range
    /// of its replacement in `strings`.
    func longestMatchRange(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int, Range<Int>)? {
        var best: (Int, Int)? = nil
        prefixMatches(b, i, b.count) { len, v in best = (len, v); return true }
        guard let (len, v) = best, let r = replacement(v) else { return nil }
        return (len, r)
    }
}

/// A minimal protobuf reader for SentencePiece's ModelProto (no generated code).
struct _ProtoReader {
    let bytes: [UInt8]
    var pos: Int
    let end: Int
    let source: String
    let path: String

    func fail(_ what: String) -> TokError {
        TokError(.malformedVocabulary, "protobuf: \(what)", at: "\(source): \(path) (byte \(pos))")
    }

    mutating func varint() throws(TokError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard pos < end else { throw fail("truncated varint") }
            let b = bytes[pos]
            pos += 1
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
            guard shift < 64 else { throw fail("varint too long") }
        }
    }

    /// The next field: (number, wire type), or nil at the end.
    mutating func next() throws(TokError) -> (Int, Int)? {
        guard pos < end else { return nil }
        let key = try varint()
        return (Int(key >> 3), Int(key & 7))
    }

    mutating func lengthDelimited() throws(TokError) -> Range<Int> {
        let n = try varint()
        guard n <= UInt64(end - pos) else { throw fail("length \(n) runs past the end") }
        let r = pos..<(pos + Int(n))
        pos += Int(n)
        return r
    }

    mutating func fixed32() throws(TokError) -> UInt32 {
        guard end - pos >= 4 else { throw fail("truncated fixed32") }
        let v = UInt32(bytes[pos]) | UInt32(bytes[pos + 1]) << 8 | UInt32(bytes[pos + 2]) << 16 | UInt32(bytes[pos + 3]) << 24
        pos += 4
        return v
    }

    mutating func skip(_ wire: Int) throws(TokError) {
        switch wire {
        case 0: _ = try varint()
        case 1: guard end - pos >= 8 else { throw fail("truncated fixed64") }; pos += 8
        case 2: _ = try lengthDelimited()
        case 5: _ = try fixed32()
        default: throw fail("unknown wire type \(wire)")
        }
    }

    func sub(_ r: Range<Int>, _ path: String) -> _ProtoReader {
        _ProtoReader(bytes: bytes, pos: r.lowerBound, end: r.upperBound, source: source, path: path)
    }
}

extension Tokenizer {
    /// Loads a SentencePiece `.model` (a serialized ModelProto) from memory: BPE or Unigram,
    /// byte fallback, the normalizer spec (precompiled character map, dummy prefix, whitespace
    /// rules), user-defined and control symbols. Encoding matches `SentencePieceProcessor.encode`
    /// (no BOS/EOS); ill-formed UTF-8, which SentencePiece would turn into U+FFFD, keeps its
    /// bytes through byte fallback so that decoding returns them.
    public init(sentencePieceModel data: Data, name: String = "tokenizer.model", source: String = "<memory>") throws(TokError) {
        let bytes = [UInt8](data)
        var r = _ProtoReader(bytes: bytes, pos: 0, end: bytes.count, source: source, path: "ModelProto")
        var pieces: [(String, Float, Int)] = []
        var modelType = 1, byteFallback = false, treatSuffix = false
        var normName = "", charsmap: [UInt8] = [], dummy = true, removeWS = true, escapeWS = true
        while let (field, wire) = try r.next() {
            switch (field, wire) {
            case (1, 2):
                var p = r.sub(try r.lengthDelimited(), "ModelProto.pieces[\(pieces.count)]")
                var piece = "", score: Float = 0, type = 1
                while let (f, w) = try p.next() {
                    switch (f, w) {
                    case (1, 2):
                        let rr = try p.lengthDelimited()
                        guard let s = String(validating: bytes[rr], as: UTF8.self) else { throw p.fail("piece is not UTF-8") }
                        piece = s
                    case (2, 5): score = Float(bitPattern: try p.fixed32())
                    case (3, 0): type = Int(try p.varint())
                    default: try p.skip(w)
                    }
                }
                pieces.append((piece, score, type))
            case (2, 2):
                var t = r.sub(try r.lengthDelimited(), "ModelProto.trainer_spec")
                while let (f, w) = try t.next() {
                    switch (f, w) {
                    case (3, 0): modelType = Int(try t.varint())
                    case (35, 0): byteFallback = try t.varint() != 0
                    case (24, 0): treatSuffix = try t.varint() != 0
                    default: try t.skip(w)
                    }
                }
            case (3, 2):
                var n = r.sub(try r.lengthDelimited(), "ModelProto.normalizer_spec")
                while let (f, w) = try n.next() {
                    switch (f, w) {
                    case (1, 2): normName = String(decoding: bytes[try n.lengthDelimited()], as: UTF8.self)
                    case (2, 2): charsmap = Array(bytes[try n.lengthDelimited()])
                    case (3, 0): dummy = try n.varint() != 0
                    case (4, 0): removeWS = try n.varint() != 0
                    case (5, 0): escapeWS = try n.varint() != 0
                    default: try n.skip(w)
                    }
                }
            default:
                try r.skip(wire)
            }
        }
        guard !pieces.isEmpty else { throw TokError(.malformedVocabulary, "no pieces", at: "\(source): ModelProto.pieces") }
        var map: _CharsMap? = nil
        if !charsmap.isEmpty {
            guard let m = _CharsMap(charsmap) else {
                throw TokError(.malformedVocabulary, "precompiled_charsmap is malformed",
                               at: "\(source): ModelProto.normalizer_spec.precompiled_charsmap")
            }
            map = m
        } else if !["identity", ""].contains(normName) {
            throw TokError(.unsupported, "normalizer '\(normName)' has no precompiled_charsmap",
                           at: "\(source): ModelProto.normalizer_spec")
        }
        let spmNorm = _SPMNormalizer(charsmap: map, addDummyPrefix: dummy, removeExtraWhitespaces: removeWS,
                                     escapeWhitespaces: escapeWS, treatWhitespaceAsSuffix: treatSuffix)
        // pieces_: normal, user-defined, unused; reserved: unknown, control, byte.
        var normal: [[UInt8]: Int] = [:]
        normal.reserveCapacity(pieces.count)
        var unk: Int? = nil
        var added: [_AddedToken] = []
        var fallback = [Int](repeating: -1, count: 256)
        for (id, (piece, _, type)) in pieces.enumerated() {
            let b = Array(piece.utf8)
            switch type {
            case 1, 4, 5:
                if type == 5 {
                    throw TokError(.unsupported, "UNUSED pieces (re-segmented by SentencePiece) are not supported",
                                   at: "\(source): ModelProto.pieces[\(id)]")
                }
                guard normal[b] == nil else {
                    throw TokError(.malformedVocabulary, "piece \(piece.debugDescription) appears twice", at: "\(source): ModelProto.pieces[\(id)]")
                }
                normal[b] = id
                if type == 4 {
                    added.append(_AddedToken(content: b, id: id, special: false, singleWord: false, lstrip: false,
                                             rstrip: false, normalized: true))
                }
            case 2: unk = id
            case 3:
                // Control symbols are never found in text by SentencePiece; Tok matches them only
                // when the caller allows special tokens (chat templates).
                if !b.isEmpty {
                    added.append(_AddedToken(content: b, id: id, special: true, singleWord: false, lstrip: false,
                                             rstrip: false, normalized: false))
                }
            case 6:
                if let v = _Decoder.byteToken(b) { fallback[Int(v)] = id }
            default: break
            }
        }
        guard let unkID = unk else {
            throw TokError(.malformedVocabulary, "no UNKNOWN piece", at: "\(source): ModelProto.pieces")
        }
        let fb: [Int]? = byteFallback ? (fallback.contains(-1) ? nil : fallback) : nil
        if byteFallback && fb == nil {
            throw TokError(.malformedVocabulary, "byte_fallback is on but not all 256 <0xNN> pieces exist", at: "\(source): ModelProto.pieces")
        }
        let model: _PipelineModel
        switch modelType {
        case 2:
            // Pair ranks from scores: higher score merges first, equal scores tie (leftmost wins).
            let distinct = Array(Set(pieces.map(\.1))).sorted(by: >)
            var rankOf: [Float: Int] = [:]
            for (k, s) in distinct.enumerated() { rankOf[s] = k }
            var virtual: [[UInt8]: Int] = [:]
            let virtualBase = pieces.count
            let normalMap = try _ByteMap(normal)
            func symbol(_ s: ArraySlice<UInt8>, single: Bool) -> Int? {
                if let id = normalMap.get(s) { return id }
                guard single else { return nil }
                if let v = virtual[Array(s)] { return v }
                let v = virtualBase + virtual.count
                virtual[Array(s)] = v
                return v
            }
            let table = try _MergeTable(expected: pieces.count * 4)
            for (id, (piece, score, type)) in pieces.enumerated() where type == 1 || type == 4 {
                let b = Array(piece.utf8)
                var cuts: [Int] = []
                for (k, byte) in b.enumerated() where k > 0 && byte & 0xC0 != 0x80 { cuts.append(k) }
                for (ci, k) in cuts.enumerated() {
                    // a side of one character may be a character outside the vocabulary
                    let lSingle = ci == 0
                    let rSingle = ci == cuts.count - 1
                    guard let l = symbol(b[..<k], single: lSingle), let rr = symbol(b[k...], single: rSingle) else { continue }
                    try table.set(l, rr, rank: rankOf[score]!, merged: id)
                }
            }
            // SentencePiece merges each run of unknown pieces into one (as with Unigram).
            model = .bpe(_BPE(vocab: normalMap, merges: table, byteLevel: false, byteIDs: [], rawIndex: nil, unk: unkID,
                              fuseUnk: true, byteFallback: fb, prefix: nil, suffix: nil, ignoreMerges: false,
                              virtualChars: virtual, virtualBase: virtualBase))
        case 1:
            var scores = pieces.map { Double($0.1) }
            for (id, p) in pieces.enumerated() where p.2 == 4 { scores[id] = 0 }
            let minScore = pieces.enumerated().filter { $0.element.2 == 1 }.map { Double($0.element.1) }.min() ?? 0
            model = .unigram(_Unigram(vocab: try _ByteMap(normal), scores: scores, unk: unkID, byteFallback: fb,
                                          maxPieceBytes: normal.keys.map(\.count).max() ?? 1, unkScore: minScore - 10,
                                          singlePrecision: true))
        default:
            throw TokError(.unsupported, "model_type \(modelType) (only UNIGRAM = 1 and BPE = 2 are supported)",
                           at: "\(source): ModelProto.trainer_spec.model_type")
        }
        // Each piece's text by id; a text given twice belongs to its first id.
        let seen = try _ByteMap(expected: pieces.count)
        var tokens = [[UInt8]?](repeating: nil, count: pieces.count)
        for (id, p) in pieces.enumerated() {
            let b = Array(p.0.utf8)
            if seen.get(b) == nil { try seen.set(b, id); tokens[id] = b }
        }
        let controls = Set(pieces.enumerated().filter { $0.element.2 == 3 }.map(\.offset))
        let sp = _SPMNormalizer.space
        var decoderSteps: [_Decoder] = [.replace(_Pattern(kind: .literal(sp)), [0x20]), .byteFallback, .fuse]
        if dummy || removeWS { decoderSteps.append(.strip(content: [0x20], start: 1, stop: 0)) }
        // Control pieces decode to nothing, unk to " ⁇ ", as SentencePiece's decoder does.
        // BPE merges word by word when no piece spans a word start (see _PreTokenizer.wordStarts);
        // Unigram keeps one Viterbi pass over the text, as SentencePiece adds its scores.
        var pre: _PreTokenizer? = nil
        if modelType == 2, _PreTokenizer.wordStartsHold(pieces.lazy.filter { $0.2 == 1 || $0.2 == 4 }.map { Array($0.0.utf8) }, marker: sp) {
            pre = .wordStarts(marker: sp)
        }
        let p = try _Pipeline.make(added: added, normalizer: .spm(spmNorm), preTokenizer: pre, model: model,
                               decoder: .sequence(decoderSteps), tokens: _TokenTable(tokens), byteLevel: false,
                               output: { id, t in
                                   if controls.contains(id) { return [] }
                                   if fb != nil, let b = _Decoder.byteToken(t) { return [b] }
                                   return _Decoder.replaceAll(t, sp, [0x20])
                               },
                               decodeString: { id, t in
                                   controls.contains(id) ? [] : id == unkID ? Array(" \u{2047} ".utf8) : t
                               })
        var specials: [String: Int] = [:]
        for id in controls { specials[pieces[id].0] = id }
        self.init(units: p, name: name, specialTokens: specials)
    }
}

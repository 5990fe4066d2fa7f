internal import CTokKernels

/// The character-level models behind ``Tokenizer/bytes(offset:specialTokens:)``,
/// ``Tokenizer/scalars(specialTokens:)`` and ``Tokenizer/graphemes(vocabulary:specialTokens:)``.
///
/// Id spaces:
/// - bytes: byte `b` is `b + offset` (ByT5: offset 3 after pad 0, eos 1, unk 2).
/// - scalars and graphemes: a Unicode scalar is its code point; a byte that is not part of valid
///   UTF-8 is `0xD800 + byte` (surrogate code points are never scalars, so the two cannot meet);
///   grapheme vocabulary entry `k` is `0x110000 + k`. A grapheme cluster outside the vocabulary
///   is encoded as its scalars.
struct _Units: _SwiftModel {
    enum Kind: String, Sendable { case bytes, scalars, graphemes }
    static let invalidByteBase = 0xD800
    static let clusterBase = 0x110000

    let kind: Kind
    let byteOffset: Int
    let vocab: [[UInt8]]
    let vocabIndex: [[UInt8]: Int]
    let specialBytes: [Int: [UInt8]]
    let ordinaryLimit: Int

    init(kind: Kind, byteOffset: Int = 0, vocabulary: [String] = [], specials: [String: Int]) throws(TokError) {
        self.kind = kind
        self.byteOffset = byteOffset
        var v: [[UInt8]] = []
        var index: [[UInt8]: Int] = [:]
        if kind == .graphemes {
            for (k, g) in vocabulary.enumerated() {
                let b = Array(g.utf8)
                guard !b.isEmpty else { throw TokError(.invalidArgument, "grapheme vocabulary entry \(k) is empty") }
                guard index[b] == nil else {
                    throw TokError(.invalidArgument, "grapheme vocabulary entry \(k) repeats entry \(index[b]! - Self.clusterBase)")
                }
                index[b] = Self.clusterBase + k
                v.append(b)
            }
        }
        vocab = v
        vocabIndex = index
        switch kind {
        case .bytes:
            guard byteOffset >= 0 && byteOffset <= Int(Int32.max) - 256 else {
                throw TokError(.invalidArgument, "byte offset \(byteOffset) is out of range")
            }
            ordinaryLimit = byteOffset + 256
        case .scalars: ordinaryLimit = Self.clusterBase
        case .graphemes: ordinaryLimit = Self.clusterBase + v.count
        }
        var sb: [Int: [UInt8]] = [:]
        for (text, id) in specials.sorted(by: { $0.value < $1.value }) {
            let ordinary = kind == .bytes ? (id >= byteOffset && id < byteOffset + 256) : id < ordinaryLimit
            guard id >= 0, id < Int(Int32.max), !ordinary, sb[id] == nil, !text.isEmpty else {
                throw TokError(.invalidArgument,
                               "special token \(text) has id \(id), which is taken, empty or out of range (ordinary ids of \(kind.rawValue) end at \(ordinaryLimit))")
            }
            sb[id] = Array(text.utf8)
        }
        specialBytes = sb
    }

    var idLimit: Int { Swift.max(ordinaryLimit, (specialBytes.keys.max() ?? -1) + 1) }
    var maxTokenLength: Int {
        switch kind {
        case .bytes: 1
        case .scalars: 4
        case .graphemes: Swift.max(4, vocab.map(\.count).max() ?? 0)
        }
    }

    /// The bytes of an ordinary or special id, or nil.
    func tokenBytes(_ id: Int) -> [UInt8]? {
        if let s = specialBytes[id] { return s }
        switch kind {
        case .bytes:
            return id >= byteOffset && id < byteOffset + 256 ? [UInt8(id - byteOffset)] : nil
        case .scalars, .graphemes:
            if id >= Self.invalidByteBase && id < Self.invalidByteBase + 256 { return [UInt8(id - Self.invalidByteBase)] }
            if id >= Self.clusterBase && id < Self.clusterBase + vocab.count { return vocab[id - Self.clusterBase] }
            guard id >= 0, let u = Unicode.Scalar(UInt32(truncatingIfNeeded: id)), id < Self.clusterBase else { return nil }
            return Array(String(Character(u)).utf8)
        }
    }

    /// The ordinary id whose bytes are exactly `bytes`, or nil.
    func id(for bytes: [UInt8]) -> Int? {
        switch kind {
        case .bytes:
            return bytes.count == 1 ? Int(bytes[0]) + byteOffset : nil
        case .scalars, .graphemes:
            if let k = vocabIndex[bytes] { return k }
            guard !bytes.isEmpty else { return nil }
            let c = bytes.withUnsafeBufferPointer { tok_utf8_at($0.baseAddress, $0.count, 0) }
            if c.cls & UInt8(TOK_CLS_INVALID) != 0 {
                return bytes.count == 1 ? Self.invalidByteBase + Int(bytes[0]) : nil
            }
            return Int(c.len) == bytes.count ? Int(c.cp) : nil
        }
    }

    /// Appends the ids (and start offsets, shifted by `base`) of buf[from..<to].
    func encode(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, ids: inout [Int], starts: inout [Int], offsets: Bool) {
        switch kind {
        case .bytes:
            for i in from..<to {
                ids.append(Int(buf[i]) + byteOffset)
                if offsets { starts.append(i) }
            }
        case .scalars:
            scalarIDs(buf, from, to, ids: &ids, starts: &starts, offsets: offsets)
        case .graphemes:
            forEachCluster(buf, from, to) { s, e in
                if e - s > 1, let k = vocabIndex[Array(buf[s..<e])] {
                    ids.append(k)
                    if offsets { starts.append(s) }
                } else {
                    scalarIDs(buf, s, e, ids: &ids, starts: &starts, offsets: offsets)
                }
            }
        }
    }

    func scalarIDs(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, ids: inout [Int], starts: inout [Int], offsets: Bool) {
        var i = from
        while i < to {
            let b = buf[i]
            if b < 0x80 {
                ids.append(Int(b))
                if offsets { starts.append(i) }
                i += 1
                continue
            }
            let c = tok_utf8_at(buf.baseAddress, to, i)
            if c.cls & UInt8(TOK_CLS_INVALID) != 0 {
                for k in 0..<Int(c.len) {
                    ids.append(Self.invalidByteBase + Int(buf[i + k]))
                    if offsets { starts.append(i + k) }
                }
            } else {
                ids.append(Int(c.cp))
                if offsets { starts.append(i) }
            }
            i += Int(c.len)
        }
    }

    /// Calls body with each grapheme cluster [s, e) of buf[from..<to]: ICU's clusters over valid
    /// UTF-8, and each ill-formed subsequence byte by byte. Valid stretches go to ICU in blocks cut
    /// after a line feed (a cluster never continues past one, GB4), so memory stays bounded.
    func forEachCluster(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ body: (Int, Int) -> Void) {
        var i = from
        var ends = [Int](repeating: 0, count: 0)
        while i < to {
            // The valid stretch [i, j).
            var j = i
            while j < to {
                if buf[j] < 0x80 { j += 1; continue }
                let c = tok_utf8_at(buf.baseAddress, to, j)
                if c.cls & UInt8(TOK_CLS_INVALID) != 0 { break }
                j += Int(c.len)
            }
            var s = i
            while s < j {
                var e = Swift.min(j, s + 65_536)
                if e < j {
                    var k = e
                    while k > s && buf[k - 1] != 0x0A { k -= 1 }
                    e = k > s ? k : j
                }
                if ends.count < e - s { ends = [Int](repeating: 0, count: e - s) }
                let n = ends.withUnsafeMutableBufferPointer { tok_icu_grapheme_ends(buf.baseAddress! + s, e - s, $0.baseAddress, $0.count) }
                if n < 0 {
                    // ICU unavailable for this block (over 2 GiB without a line feed): scalars.
                    var p = s
                    while p < e { let l = Int(tok_utf8_at(buf.baseAddress, e, p).len); body(p, p + l); p += l }
                } else {
                    var prev = s
                    for k in 0..<Int(n) { body(prev, s + ends[k]); prev = s + ends[k] }
                }
                s = e
            }
            // The ill-formed subsequence at j, one byte at a time.
            if j < to {
                let c = tok_utf8_at(buf.baseAddress, to, j)
                for k in 0..<Int(c.len) { body(j + k, j + k + 1) }
                j += Int(c.len)
            }
            i = j
        }
    }

    /// Grapheme cluster (or scalar, or byte) ranges: the units this model encodes.
    func units(_ buf: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        switch kind {
        case .bytes:
            out = (0..<buf.count).map { $0..<($0 + 1) }
        case .scalars:
            // A scalar, or one byte of an ill-formed sequence (each is its own id).
            var i = 0
            while i < buf.count {
                let c = tok_utf8_at(buf.baseAddress, buf.count, i)
                let n = c.cls & UInt8(TOK_CLS_INVALID) != 0 ? 1 : Int(c.len)
                out.append(i..<(i + n))
                i += n
            }
        case .graphemes:
            forEachCluster(buf, 0, buf.count) { out.append($0..<$1) }
        }
        return out
    }
}

extension Tokenizer {
    /// A byte-level tokenizer: byte `b` is id `b + offset`. The default is ByT5's: pad 0,
    /// `</s>` 1, `<unk>` 2, bytes 3…258. Every input round-trips.
    /// - Throws: ``TokError/Code/invalidArgument`` when a special id collides with a byte id.
    public static func bytes(offset: Int = 3,
                             specialTokens: [String: Int] = ["<pad>": 0, "</s>": 1, "<unk>": 2]) throws(TokError) -> Tokenizer {
        Tokenizer(units: try _Units(kind: .bytes, byteOffset: offset, specials: specialTokens), name: "bytes",
                  specialTokens: specialTokens)
    }

    /// A Unicode-scalar tokenizer: each scalar is its code point (the CANINE convention); a byte
    /// that is not part of valid UTF-8 is `0xD800 + byte`, so every input round-trips. Special
    /// tokens take ids from 0x110000 up.
    public static func scalars(specialTokens: [String: Int] = [:]) throws(TokError) -> Tokenizer {
        Tokenizer(units: try _Units(kind: .scalars, specials: specialTokens), name: "chars", specialTokens: specialTokens)
    }

    /// A grapheme-cluster tokenizer (ICU's extended grapheme clusters): a cluster in `vocabulary`
    /// is id `0x110000 + its index`; any other cluster is its scalars, as ``scalars(specialTokens:)``
    /// encodes them (bytes that are not valid UTF-8 included), so every input round-trips.
    /// Special tokens take ids from `0x110000 + vocabulary.count` up.
    public static func graphemes(vocabulary: [String] = [], specialTokens: [String: Int] = [:]) throws(TokError) -> Tokenizer {
        Tokenizer(units: try _Units(kind: .graphemes, vocabulary: vocabulary, specials: specialTokens), name: "graphemes",
                  specialTokens: specialTokens)
    }
}

public import TokCore

/// All the ways a byte string can be written as ordinary tokens of a vocabulary: their number,
/// the canonical one (what the encoder produces), and any of the others, enumerated or sampled
/// uniformly.
///
/// Built by dynamic programming over token matches (each position tries every length up to the
/// longest token): O(n × maxTokenLength) lookups for n bytes.
public struct Segmentations: Sendable {
    /// The bytes the tokens spell (``Tokenizer/surface(_:)``): the text for byte-level
    /// tokenizers; for a SentencePiece model its normalized form, spaces for `▁`.
    public let bytes: [UInt8]
    /// The encoder's tokenization (``Tokenizer/encodeOrdinary(bytes:)``).
    public let canonical: [Int]
    /// The number of distinct ordinary-token id sequences whose bytes are exactly ``bytes``.
    public var count: BigCount { suffix[0] }

    /// Tokens starting at each position: (end, id), longest first.
    let edges: [[(end: Int, id: Int)]]
    /// suffix[i]: the number of segmentations of bytes[i...].
    let suffix: [BigCount]

    init(tokenizer: Tokenizer, bytes text: [UInt8]) {
        canonical = tokenizer.encodeOrdinary(bytes: text)
        // Segmentations of what the tokens spell: the text itself for byte-level tokenizers.
        let bytes = (try? tokenizer.surface(canonical)) ?? text
        self.bytes = bytes
        let n = bytes.count
        let maxLen = Swift.max(1, tokenizer.maxTokenLength)
        var e = [[(end: Int, id: Int)]](repeating: [], count: n)
        bytes.withUnsafeBytes { raw in
            for i in 0..<n {
                var k = Swift.min(maxLen, n - i)
                while k >= 1 {
                    let piece = UnsafeRawBufferPointer(rebasing: raw[i..<(i + k)])
                    if let id = tokenizer._ordinaryID(piece) {
                        e[i].append((i + k, id))
                        for other in tokenizer._otherOrdinaryIDs(piece) { e[i].append((i + k, other)) }
                    }
                    k -= 1
                }
            }
        }
        edges = e
        var s = [BigCount](repeating: .zero, count: n + 1)
        s[n] = .one
        for i in stride(from: n - 1, through: 0, by: -1) {
            var acc = BigCount.zero
            for (end, _) in e[i] where !s[end].isZero { acc.add(s[end]) }
            s[i] = acc
        }
        suffix = s
    }

    /// Up to `limit` segmentations, in order: at each position the longest token first.
    public func enumerate(limit: Int) -> [[Int]] {
        var out: [[Int]] = []
        var path: [Int] = []
        func walk(_ i: Int) {
            if out.count >= limit { return }
            if i == bytes.count { out.append(path); return }
            for (end, id) in edges[i] where !suffix[end].isZero {
                path.append(id)
                walk(end)
                path.removeLast()
                if out.count >= limit { return }
            }
        }
        if !count.isZero { walk(0) }
        return out
    }

    /// A segmentation drawn uniformly from all of them (nil when there is none).
    public func sample<G: RandomNumberGenerator>(using rng: inout G) -> [Int]? {
        if count.isZero { return nil }
        var out: [Int] = []
        var i = 0
        while i < bytes.count {
            var r = suffix[i].random(using: &rng)
            for (end, id) in edges[i] where !suffix[end].isZero {
                if r < suffix[end] { out.append(id); i = end; break }
                r = r - suffix[end]
            }
        }
        return out
    }
}

/// One place where two tokenizations of the same bytes differ: between two byte offsets that are
/// token boundaries in both, with no common boundary inside.
public struct TokenizationDifference: Sendable, Equatable {
    /// The bytes covered, as offsets into the text.
    public let byteRange: Range<Int>
    /// The first tokenization's ids over the range.
    public let first: [Int]
    /// The second tokenization's ids over the range.
    public let second: [Int]
}

/// Whether an id sequence is the encoder's own tokenization of its bytes, and where not.
public struct CanonicalityReport: Sendable, Equatable {
    /// The ids' bytes.
    public let bytes: [UInt8]
    /// The encoder's ids for those bytes.
    public let canonical: [Int]
    /// The minimal spans where the given ids differ from the canonical ones (`first` = given).
    public let differences: [TokenizationDifference]
    /// No difference.
    public var isCanonical: Bool { differences.isEmpty }
}

extension Tokenizer {
    /// The longest input ``segmentations(of:)`` accepts: exact counts grow exponentially (about
    /// one decimal digit per byte), so memory grows with the square of the length.
    public static var maxSegmentationInput: Int { 65_536 }

    /// Every ordinary-token segmentation of `bytes` (special tokens are not counted).
    /// - Throws: ``TokError/Code/invalidArgument`` for more than ``maxSegmentationInput`` bytes.
    public func segmentations<Bytes: Sequence<UInt8>>(of bytes: Bytes) throws(TokError) -> Segmentations {
        let b = Array(bytes)
        guard b.count <= Self.maxSegmentationInput else {
            throw TokError(.invalidArgument,
                           "segmentation counts take at most \(Self.maxSegmentationInput) bytes, not \(b.count) (the exact count of a longer text has tens of thousands of digits); count a shorter stretch")
        }
        return Segmentations(tokenizer: self, bytes: b)
    }

    /// Every ordinary-token segmentation of a text.
    public func segmentations(of text: String) throws(TokError) -> Segmentations { try segmentations(of: Array(text.utf8)) }

    /// Compares `ids` with the encoder's tokenization of their bytes (special tokens in
    /// `allowedSpecial` are recognized, as ``encode(bytes:allowedSpecial:disallowedSpecial:)`` does).
    /// - Throws: ``TokError/Code/unknownID`` for an id the tokenizer does not have.
    public func canonicality(of ids: [Int], allowedSpecial: SpecialTokenSet = .all) throws(TokError) -> CanonicalityReport {
        let bytes = try decodeBytes(ids)
        let canonical = try encode(bytes: bytes, allowedSpecial: allowedSpecial, disallowedSpecial: .none)
        let diffs = try differences(ids, canonical, offset: 0)
        return CanonicalityReport(bytes: bytes, canonical: canonical, differences: diffs)
    }

    /// The minimal differing spans of two tokenizations of the same bytes, with byte offsets
    /// shifted by `offset`. Requires that both decode to the same bytes.
    func differences(_ a: [Int], _ b: [Int], offset: Int) throws(TokError) -> [TokenizationDifference] {
        var out: [TokenizationDifference] = []
        var i = 0, j = 0, posA = 0, posB = 0
        var startI = 0, startJ = 0, start = 0
        while i < a.count || j < b.count {
            // Advance whichever side is behind (both by one when aligned).
            if posA == posB {
                if i < a.count { posA += try lengthOf(a[i]); i += 1 }
                if j < b.count { posB += try lengthOf(b[j]); j += 1 }
            } else if posA < posB {
                posA += try lengthOf(a[i]); i += 1
            } else {
                posB += try lengthOf(b[j]); j += 1
            }
            if posA == posB {
                if Array(a[startI..<i]) != Array(b[startJ..<j]) {
                    out.append(TokenizationDifference(byteRange: (offset + start)..<(offset + posA),
                                                      first: Array(a[startI..<i]), second: Array(b[startJ..<j])))
                }
                startI = i; startJ = j; start = posA
            }
        }
        return out
    }

    /// The bytes `ids` spell token by token: each token's bytes, joined. For byte-level
    /// tokenizers these are the decoded bytes; for a SentencePiece model, the normalized text the
    /// pieces cover (`▁` as a space, the dummy prefix included), which decoding then trims.
    /// Consistency is judged on this string: two id sequences spell the same text when their
    /// surfaces are equal.
    /// - Throws: ``TokError/Code/unknownID``.
    public func surface(_ ids: [Int]) throws(TokError) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids { out += try tokenBytes(id) }
        return out
    }

    /// The surface of the encoder's tokenization of `bytes` (the bytes themselves for byte-level
    /// tokenizers).
    public func surface<Bytes: Sequence<UInt8>>(ofText bytes: Bytes) -> [UInt8] {
        let b = Array(bytes)
        return (try? surface(encodeOrdinary(bytes: b))) ?? b
    }

    func lengthOf(_ id: Int) throws(TokError) -> Int {
        guard let n = tokenByteCount(id) else { throw TokError(.unknownID, "no token has id \(id)", at: "id \(id)") }
        return n
    }
}

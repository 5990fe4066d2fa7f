public import TokCore

/// How words become rows of a padded `[words × columns]` id matrix.
///
/// Each row is `prefixIDs` (per-word prefix slots, such as the CLS slots of "Learn Your Tokens"),
/// then the word's bytes as ids `byte + byteOffset`, then `padID` up to `columns`. A word that is a
/// special token holds its id in the first byte slot.
public struct PaddedLayout: Sendable, Equatable {
    /// Byte slots per row (after the prefix slots); longer words do not fit.
    public var maxBytes: Int
    /// The ids of the per-word prefix slots; empty for none.
    public var prefixIDs: [Int]
    /// The id of padding slots.
    public var padID: Int
    /// Added to each byte to make its id (ByT5 reserves 0–2 for pad, end and unknown: offset 3).
    public var byteOffset: Int

    /// A layout; see the properties.
    public init(maxBytes: Int, prefixIDs: [Int] = [], padID: Int = 0, byteOffset: Int = 0) {
        self.maxBytes = maxBytes
        self.prefixIDs = prefixIDs
        self.padID = padID
        self.byteOffset = byteOffset
    }

    /// ByT5's byte ids: pad 0, bytes at 3...258.
    public static func byT5(maxBytes: Int, prefixIDs: [Int] = []) -> PaddedLayout {
        PaddedLayout(maxBytes: maxBytes, prefixIDs: prefixIDs, padID: 0, byteOffset: 3)
    }

    /// Slots per row: prefix slots plus byte slots.
    public var columns: Int { prefixIDs.count + maxBytes }
}

/// Words as a padded, row-major `[rows × columns]` matrix of ids with per-row lengths and a mask:
/// buffers a runtime hands to a tensor library as they are.
public struct PaddedWords<Element: FixedWidthInteger & Sendable>: Sendable, Equatable {
    /// The layout the matrix was built with.
    public let layout: PaddedLayout
    /// Number of rows (words).
    public let rows: Int
    /// `rows × columns` ids, row-major.
    public let ids: [Element]
    /// Per row, the number of byte slots in use (1 for a special token), prefix not counted.
    public let lengths: [Int32]
    /// `rows × columns`: 1 for prefix and used byte slots, 0 for padding.
    public let mask: [UInt8]
    /// Per row, whether it holds a special token id rather than bytes.
    public let isSpecial: [Bool]

    /// Slots per row.
    public var columns: Int { layout.columns }

    /// The inverse: the words back, byte for byte. Special rows become their token's text, looked
    /// up in `specialTokens` (text → id).
    /// - Throws: ``TokError/Code/invalidArgument`` for a byte slot that holds no byte id or a
    ///   special id that is not in `specialTokens`.
    public func wordSequence(specialTokens: [String: Int] = [:]) throws(TokError) -> WordSequence {
        var byID: [Int: [UInt8]] = [:]
        for (text, id) in specialTokens { byID[id] = Array(text.utf8) }
        var words: [[UInt8]] = []
        words.reserveCapacity(rows)
        var special: [Int: Int] = [:]
        let cols = columns, first = layout.prefixIDs.count
        for r in 0..<rows {
            let base = r * cols + first
            if isSpecial[r] {
                let id = Int(ids[base])
                guard let text = byID[id] else {
                    throw TokError(.invalidArgument, "row \(r) holds special id \(id), which is not a given special token")
                }
                special[r] = id
                words.append(text)
                continue
            }
            var w = [UInt8]()
            w.reserveCapacity(Int(lengths[r]))
            for c in 0..<Int(lengths[r]) {
                let v = Int(ids[base + c]) - layout.byteOffset
                guard v >= 0 && v <= 255 else {
                    throw TokError(.invalidArgument, "row \(r), column \(first + c) holds id \(ids[base + c]), not a byte id")
                }
                w.append(UInt8(v))
            }
            words.append(w)
        }
        return try WordSequence(words: words, specialIDs: special)
    }
}

extension WordSequence {
    /// The padded layout of these words, with ids of type `Element` (`UInt8`, `Int32`, `Int64`, …).
    /// - Throws: ``TokError/Code/invalidArgument`` when a word is longer than `layout.maxBytes`
    ///   (split with `maxBytesPerWord` first) or an id does not fit `Element`.
    public func padded<Element: FixedWidthInteger & Sendable>(_ layout: PaddedLayout, as: Element.Type = Element.self)
        throws(TokError) -> PaddedWords<Element>
    {
        guard layout.maxBytes >= 1 else {
            throw TokError(.invalidArgument, "maxBytes must be at least 1, not \(layout.maxBytes)")
        }
        func fits(_ v: Int, _ what: String) throws(TokError) {
            guard Element(exactly: v) != nil else {
                throw TokError(.invalidArgument, "\(what) \(v) does not fit \(Element.self)")
            }
        }
        try fits(layout.padID, "pad id")
        try fits(layout.byteOffset, "byte id")
        try fits(layout.byteOffset + 255, "byte id")
        for p in layout.prefixIDs { try fits(p, "prefix id") }
        let rows = count
        var special = [Bool](repeating: false, count: rows)
        for i in 0..<rows {
            if let id = specialID(at: i) {
                try fits(id, "special id")
                special[i] = true
            } else if offsets[i + 1] - offsets[i] > layout.maxBytes {
                throw TokError(.invalidArgument,
                               "word \(i) has \(offsets[i + 1] - offsets[i]) bytes, more than maxBytes \(layout.maxBytes); split with maxBytesPerWord: \(layout.maxBytes)",
                               at: "byte \(offsets[i])")
            }
        }
        // Concrete fills for the common element types, so the hot loop is not generic code.
        if Element.self == UInt8.self {
            return unsafeBitCast(fill(layout, special, UInt8.self), to: PaddedWords<Element>.self)
        }
        if Element.self == Int32.self {
            return unsafeBitCast(fill(layout, special, Int32.self), to: PaddedWords<Element>.self)
        }
        if Element.self == Int64.self {
            return unsafeBitCast(fill(layout, special, Int64.self), to: PaddedWords<Element>.self)
        }
        return fill(layout, special, Element.self)
    }

    /// The layout, for checked arguments.
    func fill<E: FixedWidthInteger & Sendable>(_ layout: PaddedLayout, _ special: [Bool], _: E.Type) -> PaddedWords<E> {
        let rows = count, cols = layout.columns, np = layout.prefixIDs.count
        var ids = [E](repeating: E(truncatingIfNeeded: layout.padID), count: rows * cols)
        var mask = [UInt8](repeating: 0, count: rows * cols)
        var lengths = [Int32](repeating: 0, count: rows)
        let prefix = layout.prefixIDs.map { E(truncatingIfNeeded: $0) }
        let off = layout.byteOffset
        ids.withUnsafeMutableBufferPointer { idp in
            mask.withUnsafeMutableBufferPointer { mp in
                bytes.withUnsafeBufferPointer { bp in
                    for r in 0..<rows {
                        let base = r * cols
                        for k in 0..<np { idp[base + k] = prefix[k] }
                        let s = offsets[r], e = offsets[r + 1]
                        let n: Int
                        if special[r] {
                            idp[base + np] = E(truncatingIfNeeded: specialIDs[r])
                            n = 1
                        } else {
                            n = e - s
                            if off == 0 && E.self == UInt8.self {
                                UnsafeMutableRawPointer(idp.baseAddress! + base + np)
                                    .copyMemory(from: bp.baseAddress! + s, byteCount: n)
                            } else {
                                for j in 0..<n { idp[base + np + j] = E(truncatingIfNeeded: Int(bp[s + j]) &+ off) }
                            }
                        }
                        lengths[r] = Int32(n)
                        (mp.baseAddress! + base).update(repeating: 1, count: np + n)
                    }
                }
            }
        }
        return PaddedWords(layout: layout, rows: rows, ids: ids, lengths: lengths, mask: mask, isSpecial: special)
    }
}

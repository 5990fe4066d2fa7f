internal import CTokKernels
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
        try check(layout, Element.self, words: 0..<count)
        let rows = count, cells = rows * layout.columns
        var stopped = -1
        var lengths = [Int32]()
        var mask = [UInt8]()
        // Written once, slot by slot, into uninitialized storage; only a complete fill is kept.
        let ids = [Element](unsafeUninitializedCapacity: cells) { idp, idCount in
            mask = [UInt8](unsafeUninitializedCapacity: cells) { mp, maskCount in
                lengths = [Int32](unsafeUninitializedCapacity: rows) { lp, lengthCount in
                    stopped = write(layout, 0..<rows, idp, mp, lp)
                    lengthCount = stopped == -1 ? rows : 0
                }
                maskCount = stopped == -1 ? cells : 0
            }
            idCount = stopped == -1 ? cells : 0
        }
        if stopped != -1 { try throwLongWord(layout.maxBytes, in: 0..<rows) }
        let special = specialIDs.isEmpty ? [Bool](repeating: false, count: rows) : specialIDs.map { $0 >= 0 }
        return PaddedWords(layout: layout, rows: rows, ids: ids, lengths: lengths, mask: mask, isSpecial: special)
    }

    /// The padded layout written into buffers the caller owns, such as a tensor's storage reused
    /// from batch to batch: `ids` and `mask` get `count × layout.columns` slots, row-major, and
    /// `lengths` one entry per word, exactly as ``padded(_:as:)`` makes them. Slots past those are
    /// not touched.
    /// - Throws: ``TokError/Code/invalidArgument`` when a buffer is too small, a word is longer than
    ///   `layout.maxBytes` or an id does not fit `Element`; the buffers' contents are then unspecified.
    public func writePadded<Element: FixedWidthInteger & Sendable>(
        _ layout: PaddedLayout, ids: UnsafeMutableBufferPointer<Element>, mask: UnsafeMutableBufferPointer<UInt8>,
        lengths: UnsafeMutableBufferPointer<Int32>
    ) throws(TokError) {
        try writePadded(layout, words: 0..<count, ids: ids, mask: mask, lengths: lengths)
    }

    /// The rows of some of the words (a batch, or a band of a long text written a piece at a time):
    /// row 0 of the buffers is word `words.lowerBound`. Otherwise as
    /// ``writePadded(_:ids:mask:lengths:)``.
    /// - Throws: ``TokError/Code/invalidArgument`` also when `words` is not within `0...count`.
    public func writePadded<Element: FixedWidthInteger & Sendable>(
        _ layout: PaddedLayout, words: Range<Int>, ids: UnsafeMutableBufferPointer<Element>,
        mask: UnsafeMutableBufferPointer<UInt8>, lengths: UnsafeMutableBufferPointer<Int32>
    ) throws(TokError) {
        guard words.lowerBound >= 0 && words.upperBound <= count else {
            throw TokError(.invalidArgument, "words \(words) are not within the \(count) words")
        }
        try check(layout, Element.self, words: words)
        let rows = words.count, cells = rows * layout.columns
        for (name, have, need) in [("ids", ids.count, cells), ("mask", mask.count, cells), ("lengths", lengths.count, rows)]
        where have < need {
            throw TokError(.invalidArgument, "\(name) holds \(have) entries; \(rows) words of \(layout.columns) slots need \(need)")
        }
        if write(layout, words, ids, mask, lengths) != -1 { try throwLongWord(layout.maxBytes, in: words) }
    }

    /// Outputs (ids and mask) of at least this many bytes are written with non-temporal stores.
    /// Smaller ones may stay in a last-level cache, where ordinary stores are faster (measured on a
    /// 32 MiB L3: ordinary stores win up to 32 MB of output, streaming from 48-64 MB on).
    static let streamedOutputBytes = 64 << 20

    /// Checks that the layout is usable and every id it can write for `words` fits `Element` (only
    /// those words' special ids: a text written batch by batch is not scanned whole each time).
    func check<Element: FixedWidthInteger>(_ layout: PaddedLayout, _: Element.Type, words: Range<Int>) throws(TokError) {
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
        let (top, overflow) = layout.byteOffset.addingReportingOverflow(255)
        guard !overflow else { throw TokError(.invalidArgument, "byte offset \(layout.byteOffset) + 255 overflows Int") }
        try fits(top, "byte id")
        for p in layout.prefixIDs { try fits(p, "prefix id") }
        if !specialIDs.isEmpty { for id in specialIDs[words] where id >= 0 { try fits(id, "special id") } }
    }

    /// Writes the rows of `words` into buffers of the right size (checked layout; row 0 is word
    /// `words.lowerBound`). Returns -1, or the index of the first word (not a special token)
    /// longer than `maxBytes`, where writing stopped.
    func write<E: FixedWidthInteger>(_ layout: PaddedLayout, _ words: Range<Int>, _ ids: UnsafeMutableBufferPointer<E>,
                                     _ mask: UnsafeMutableBufferPointer<UInt8>, _ lengths: UnsafeMutableBufferPointer<Int32>) -> Int
    {
        let rows = words.count, width = MemoryLayout<E>.size
        guard rows > 0 else { return -1 }
        guard E.bitWidth == width * 8, [1, 2, 4, 8].contains(width) else {
            return writeInSwift(layout, words, ids, mask, lengths)
        }
        // One pass in C (tok_pad.h). Ids of any 8-, 16-, 32- or 64-bit integer type are the same bit
        // patterns whether signed or not, so one kernel serves them all. Outputs of 2^21 slots and
        // more are written in bands of rows on all cores (a band's block writes never leave it).
        // Outputs well past a last-level cache are streamed past the caches (TOK_PAD_STREAM):
        // ordinary stores would first read every line they write.
        let prefix = layout.prefixIDs.map { Int64($0) }
        let cols = layout.columns, cells = rows * cols
        let bands = cells >= 1 << 21 ? Swift.min(_activeCores() * 2, cells >> 20) : 1
        let options = UInt32(TOK_PAD_AVX2) | (cells * (width + 1) >= Self.streamedOutputBytes ? UInt32(TOK_PAD_STREAM) : 0)
        let stopped = bytes.withUnsafeBufferPointer { bp in
            offsets.withUnsafeBufferPointer { op in
                specialIDs.withUnsafeBufferPointer { sp in
                    prefix.withUnsafeBufferPointer { pp in
                        let job = _PadJob(bytes: bp, offsets: op.baseAddress!, specials: specialIDs.isEmpty ? nil : sp.baseAddress,
                                          prefix: pp, layout: layout, width: width, first: words.lowerBound,
                                          ids: UnsafeMutableRawPointer(ids.baseAddress!), mask: mask.baseAddress!,
                                          lengths: lengths.baseAddress!, options: options)
                        if bands == 1 { return job.run(words) }
                        let per = (rows + bands - 1) / bands, lo = words.lowerBound
                        let results = _parallelMap(bands) { k in job.run((lo + k * per)..<Swift.min(words.upperBound, lo + (k + 1) * per)) }
                        return results.first { $0 != -1 } ?? -1
                    }
                }
            }
        }
        precondition(stopped >= -1, "tok_pad_rows refused its arguments (\(stopped))")
        return stopped
    }

    /// The rows in Swift, for element types of other widths (such as `Int128`).
    func writeInSwift<E: FixedWidthInteger>(_ layout: PaddedLayout, _ words: Range<Int>, _ ids: UnsafeMutableBufferPointer<E>,
                                            _ mask: UnsafeMutableBufferPointer<UInt8>, _ lengths: UnsafeMutableBufferPointer<Int32>) -> Int
    {
        let cols = layout.columns, np = layout.prefixIDs.count
        for r in words {
            let special = specialID(at: r), s = offsets[r]
            let n = special == nil ? offsets[r + 1] - s : 1
            if n > layout.maxBytes { return r }
            let base = (r - words.lowerBound) * cols
            for k in 0..<cols {
                let j = k - np
                let v = j < 0 ? layout.prefixIDs[k] : j >= n ? layout.padID : special ?? Int(bytes[s + j]) &+ layout.byteOffset
                ids[base + k] = E(truncatingIfNeeded: v)
                mask[base + k] = j < n ? 1 : 0
            }
            lengths[r - words.lowerBound] = Int32(n)
        }
        return -1
    }

    /// Throws for the first word of `words` (not a special token) longer than `maxBytes`.
    func throwLongWord(_ maxBytes: Int, in words: Range<Int>) throws(TokError) {
        for i in words where specialID(at: i) == nil && offsets[i + 1] - offsets[i] > maxBytes {
            throw TokError(.invalidArgument,
                           "word \(i) has \(offsets[i + 1] - offsets[i]) bytes, more than maxBytes \(maxBytes); split with maxBytesPerWord: \(maxBytes)",
                           at: "byte \(offsets[i])")
        }
    }
}

/// One call's arguments to the C fill, shared read-only by the workers that write bands of rows
/// (the buffers outlive the call; each band writes only its own rows).
struct _PadJob: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>
    let offsets: UnsafePointer<Int>
    let specials: UnsafePointer<Int>?
    let prefix: UnsafeBufferPointer<Int64>
    let layout: PaddedLayout
    let width: Int
    /// The word whose row is row 0 of the buffers.
    let first: Int
    let ids: UnsafeMutableRawPointer
    let mask: UnsafeMutablePointer<UInt8>
    let lengths: UnsafeMutablePointer<Int32>
    /// tok_pad_rows_with's options.
    let options: UInt32

    /// Writes `rows`; returns -1, the index of the word where writing stopped, or a negative error.
    func run(_ rows: Range<Int>) -> Int {
        if rows.isEmpty { return -1 }
        let r0 = rows.lowerBound, out = r0 - first, cols = layout.columns
        let stopped = tok_pad_rows_with(bytes.baseAddress, bytes.count, offsets + r0, rows.count, specials.map { $0 + r0 },
                                        prefix.baseAddress, prefix.count, layout.maxBytes, Int64(layout.padID),
                                        Int64(layout.byteOffset), width, ids + out * cols * width, mask + out * cols,
                                        lengths + out, options)
        return stopped >= 0 ? r0 + stopped : stopped
    }
}

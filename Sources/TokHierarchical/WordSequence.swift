public import TokCore

/// Words in the ragged layout: the text's bytes, unchanged, in one buffer, and where each word
/// starts. Word `i` is `bytes[offsets[i]..<offsets[i + 1]]`; no word is empty.
///
/// This is what a hierarchical model's byte encoder consumes without a copy per word; the inverse
/// is ``bytes`` itself.
public struct WordSequence: Sendable, Equatable, RandomAccessCollection {
    /// The text's bytes: all words, concatenated.
    public let bytes: [UInt8]
    /// `count + 1` offsets into ``bytes``, from 0 to `bytes.count`, strictly increasing.
    public let offsets: [Int]
    /// Per word, the id of the special token it is, or -1; empty when no word is special.
    let specialIDs: [Int]

    init(bytes: [UInt8], offsets: [Int], specialIDs: [Int]) {
        self.bytes = bytes
        self.offsets = offsets
        self.specialIDs = specialIDs
    }

    /// Words from their bytes (the inverse of splitting), with the special token ids of words that
    /// are special tokens (word index → id).
    /// - Throws: ``TokError/Code/invalidArgument`` for an empty word or a special index out of range.
    public init(words: [[UInt8]], specialIDs: [Int: Int] = [:]) throws(TokError) {
        var b: [UInt8] = []
        var o = [0]
        o.reserveCapacity(words.count + 1)
        for (i, w) in words.enumerated() {
            guard !w.isEmpty else { throw TokError(.invalidArgument, "word \(i) is empty") }
            b.append(contentsOf: w)
            o.append(b.count)
        }
        var ids: [Int] = []
        if !specialIDs.isEmpty {
            ids = [Int](repeating: -1, count: words.count)
            for (k, id) in specialIDs {
                guard k >= 0 && k < words.count else {
                    throw TokError(.invalidArgument, "special word index \(k) is outside 0..<\(words.count)")
                }
                ids[k] = id
            }
        }
        self.init(bytes: b, offsets: o, specialIDs: ids)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { offsets.count - 1 }

    /// The bytes of word `i`.
    public subscript(i: Int) -> ArraySlice<UInt8> { bytes[offsets[i]..<offsets[i + 1]] }

    /// The byte range of word `i` in ``bytes``.
    public func byteRange(of i: Int) -> Range<Int> { offsets[i]..<offsets[i + 1] }

    /// Word `i` as a string (invalid UTF-8, such as a character cut by a byte limit, becomes U+FFFD).
    public func string(at i: Int) -> String { String(decoding: self[i], as: UTF8.self) }

    /// The id of the special token word `i` is, or nil for an ordinary word.
    public func specialID(at i: Int) -> Int? {
        guard !specialIDs.isEmpty, specialIDs[i] >= 0 else { return nil }
        return specialIDs[i]
    }

    /// The starting byte offset of each word.
    public var wordStarts: ArraySlice<Int> { offsets.dropLast() }

    /// The byte length of the longest word (0 when there are none).
    public var maxWordLength: Int {
        var m = 0
        for i in 0..<count { m = Swift.max(m, offsets[i + 1] - offsets[i]) }
        return m
    }
}

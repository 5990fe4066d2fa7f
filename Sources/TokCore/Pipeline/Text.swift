internal import CTokKernels

/// Text on its way through a pipeline: UTF-8 bytes (ill-formed input bytes kept as they are) and,
/// for each byte, the offset in the caller's input of the character it came from, so tokens can
/// report byte ranges of the original input after normalization changed the text.
struct _Text {
    var bytes: [UInt8]
    var origin: [Int]

    init(bytes: [UInt8], origin: [Int]) {
        self.bytes = bytes
        self.origin = origin
    }

    /// buf[from..<to], unchanged.
    init(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) {
        bytes = Array(buf[from..<to])
        origin = Array(from..<to)
    }

    /// A character of the text: its byte range and scalar (U+FFFD for an ill-formed unit).
    struct Char {
        let start: Int
        let count: Int
        let scalar: Unicode.Scalar
        let isInvalid: Bool
        var end: Int { start + count }
    }

    /// Calls body for each character of bytes[from..<to].
    static func forEachChar(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ body: (Char) -> Void) {
        var i = from
        while i < to {
            let b = bytes[i]
            if b < 0x80 {
                body(Char(start: i, count: 1, scalar: Unicode.Scalar(b), isInvalid: false))
                i += 1
                continue
            }
            let c = tok_utf8_at(bytes.baseAddress, to, i)
            let invalid = c.cls & UInt8(TOK_CLS_INVALID) != 0
            body(Char(start: i, count: Int(c.len), scalar: Unicode.Scalar(c.cp) ?? "\u{FFFD}", isInvalid: invalid))
            i += Int(c.len)
        }
    }

    func forEachChar(_ range: Range<Int>, _ body: (Char) -> Void) {
        bytes.withUnsafeBufferPointer { Self.forEachChar($0, range.lowerBound, range.upperBound, body) }
    }

    /// The characters of a range.
    func chars(_ range: Range<Int>) -> [Char] {
        var out: [Char] = []
        forEachChar(range) { out.append($0) }
        return out
    }

    /// A new text where each character is replaced by what `f` returns for it (nil keeps it as it
    /// is); new characters take the origin of the one they replace.
    func mapChars(_ f: (Char) -> [Unicode.Scalar]?) -> _Text {
        // Characters kept as they are are copied a run at a time; an untouched text is returned
        // as it is.
        var outBytes: [UInt8] = [], outOrigin: [Int] = []
        var run = 0          // start of the kept run not yet copied
        var changed = false
        forEachChar(0..<bytes.count) { c in
            guard let repl = f(c) else { return }
            if !changed {
                changed = true
                outBytes.reserveCapacity(bytes.count + 16)
                outOrigin.reserveCapacity(bytes.count + 16)
            }
            outBytes.append(contentsOf: bytes[run..<c.start])
            outOrigin.append(contentsOf: origin[run..<c.start])
            let o = origin[c.start]
            for sc in repl {
                let before = outBytes.count
                outBytes.append(contentsOf: UTF8.encode(sc)!)
                outOrigin.append(contentsOf: repeatElement(o, count: outBytes.count - before))
            }
            run = c.end
        }
        guard changed else { return self }
        outBytes.append(contentsOf: bytes[run...])
        outOrigin.append(contentsOf: origin[run...])
        return _Text(bytes: outBytes, origin: outOrigin)
    }

    /// Lowercase: ASCII letters changed in place, other characters by tokenizers' lowercase
    /// mapping (Rust's `to_lowercase`, read off tokenizers; it may change their length).
    func lowercased() -> _Text {
        var i = 0
        let n = bytes.count
        var allASCII = true
        bytes.withUnsafeBufferPointer { b in
            while i < n { if b[i] >= 0x80 { allASCII = false; break }; i += 1 }
        }
        if allASCII {
            var out = self
            out.bytes.withUnsafeMutableBufferPointer { b in
                for k in b.indices where b[k] >= 0x41 && b[k] <= 0x5A { b[k] |= 0x20 }
            }
            return out
        }
        return mapChars { c in
            c.isInvalid ? nil : c.scalar.hfLowercase
        }
    }

    mutating func append(_ s: Unicode.Scalar, origin o: Int) {
        let before = bytes.count
        bytes.append(contentsOf: UTF8.encode(s)!)
        origin.append(contentsOf: repeatElement(o, count: bytes.count - before))
    }

    mutating func append(contentsOf other: _Text, _ range: Range<Int>) {
        bytes.append(contentsOf: other.bytes[range])
        origin.append(contentsOf: other.origin[range])
    }

    /// The text with `s` in front (its bytes take the origin of the first character).
    func prepending(_ s: [UInt8]) -> _Text {
        let o = origin.first ?? 0
        return _Text(bytes: s + bytes, origin: Array(repeating: o, count: s.count) + origin)
    }
}

extension UTF8 {
    /// The UTF-8 bytes of a scalar.
    static func bytes(of s: Unicode.Scalar) -> [UInt8] { Array(UTF8.encode(s)!) }
}

extension Unicode.Scalar {
    /// Rust's `char::is_whitespace` (the White_Space property; ASCII answered without a lookup).
    var isWhiteSpace: Bool {
        if value < 0x80 { return value == 0x20 || (0x09...0x0D).contains(value) }
        return properties.isWhitespace
    }
    /// Rust's `char::is_alphanumeric` (added tokens' single_word rule): Alphabetic (Swift's
    /// property) or numeric as tokenizers' Digits reads it.
    var isAlphanumeric: Bool {
        if value < 0x80 { return (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) }
        return properties.isAlphabetic || hfFlags & _HFChar.numeric != 0
    }

    /// The classes Hugging Face tokenizers' own components give this character (`_HFChar` bits,
    /// read off tokenizers by tools/gen_hf_chars.py: its Unicode tables are not Swift's).
    var hfFlags: UInt16 {
        if value < 0x80 { return _HFCharTable.ascii[Int(value)] }
        return _HFCharTable.flags(value)
    }

    /// BERT's punctuation (BertPreTokenizer).
    var isBertPunctuation: Bool { hfFlags & _HFChar.bertPunctuation != 0 }

    /// What tokenizers' Lowercase normalizer makes of this character, or nil when it keeps it.
    var hfLowercase: [Unicode.Scalar]? {
        if value < 0x80 { return (0x41...0x5A).contains(value) ? [Unicode.Scalar(value | 0x20)!] : nil }
        return _HFCharTable.lowercase(value)
    }
}

/// The value of the run holding `cp` in a generated run table: `starts` (ascending, the first
/// 0) holds the first code point of each run, `values` its value.
func _runValue<T>(_ starts: [UInt32], _ values: [T], _ cp: UInt32) -> T {
    var lo = 0, hi = starts.count - 1
    while lo < hi {
        let mid = (lo + hi + 1) / 2
        if starts[mid] <= cp { lo = mid } else { hi = mid - 1 }
    }
    return values[lo]
}

/// Lookups in the generated tables of HFChars.swift.
enum _HFCharTable {
    static let ascii: [UInt16] = (0..<128).map { flags(UInt32($0)) }

    static func flags(_ cp: UInt32) -> UInt16 { _runValue(_hfCharRangeStarts, _hfCharRangeFlags, cp) }

    static func lowercase(_ cp: UInt32) -> [Unicode.Scalar]? {
        var lo = 0, hi = _hfLowerSources.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if _hfLowerSources[mid] < cp { lo = mid + 1 } else { hi = mid }
        }
        guard lo < _hfLowerSources.count, _hfLowerSources[lo] == cp else { return nil }
        return (Int(_hfLowerOffsets[lo])..<Int(_hfLowerOffsets[lo + 1])).map { Unicode.Scalar(_hfLowerTargets[$0])! }
    }
}

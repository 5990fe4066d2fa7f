/// A cursor over JSON text that keeps strings exact: escapes resolved to UTF-8 bytes, nothing
/// normalized (Foundation's reader drops a leading U+FEFF and merges canonically equivalent
/// keys). Shared by the tokenizer-file reader and the CLI's JSON Lines and id readers.
package struct JSONScanner {
    package let bytes: ArraySlice<UInt8>
    package let location: String
    package let failPrefix: String
    package let code: TokError.Code
    package var i: Int

    package init(bytes: ArraySlice<UInt8>, location: String, failPrefix: String,
                 code: TokError.Code = .invalidArgument) {
        self.bytes = bytes
        self.location = location
        self.failPrefix = failPrefix
        self.code = code
        self.i = bytes.startIndex
    }

    package var atEnd: Bool { i >= bytes.endIndex }

    /// An error naming what is wrong, where.
    package func fail(_ what: String) -> TokError { TokError(code, "\(failPrefix)\(what)", at: location) }

    package mutating func skipSpace() {
        while i < bytes.endIndex {
            switch bytes[i] {
            case 0x20, 0x09, 0x0D, 0x0A: i += 1
            default: return
            }
        }
    }

    /// The end of the run of plain string bytes (no quote, backslash or control character) that
    /// starts at `start`.
    @inline(__always)
    private func plainRunEnd(from start: Int) -> Int {
        let base = bytes.startIndex
        return bytes.withUnsafeBufferPointer { p in
            var j = start - base
            while j < p.count {
                let c = p[j]
                if c == 0x22 || c == 0x5C || c < 0x20 { break }
                j += 1
            }
            return j + base
        }
    }

    /// A string value as a Swift `String` (the bytes of ``string()``, ill-formed UTF-8 repaired);
    /// a string without escapes is made straight from the text, without an intermediate array.
    package mutating func stringValue() throws(TokError) -> String {
        guard !atEnd, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string") }
        let end = plainRunEnd(from: i + 1)
        if end < bytes.endIndex && bytes[end] == UInt8(ascii: "\"") {
            let v = String(decoding: bytes[(i + 1)..<end], as: UTF8.self)
            i = end + 1
            return v
        }
        return String(decoding: try string(), as: UTF8.self)
    }


    package mutating func expectEnd() throws(TokError) {
        skipSpace()
        guard atEnd else { throw fail("unexpected text after the value") }
    }

    private mutating func hex4() throws(TokError) -> UInt32 {
        guard bytes.endIndex - i >= 4 else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("bad \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    /// A string value, decoded to UTF-8 bytes (raw bytes between escapes are kept as they are).
    package mutating func string() throws(TokError) -> [UInt8] {
        guard !atEnd, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string") }
        i += 1
        // the common case, no escapes: one copy of the run
        let run = plainRunEnd(from: i)
        if run < bytes.endIndex && bytes[run] == UInt8(ascii: "\"") {
            let v = Array(bytes[i..<run])
            i = run + 1
            return v
        }
        var out = Array(bytes[i..<run])
        i = run
        while true {
            guard !atEnd else { throw fail("unterminated string") }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; return out }
            if c != UInt8(ascii: "\\") {
                guard c >= 0x20 else { throw fail("control character in a string") }
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard !atEnd else { throw fail("unterminated escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var cp = try hex4()
                if cp >= 0xD800 && cp < 0xDC00 {
                    // A high surrogate: a low one must follow to make a scalar.
                    if bytes.endIndex - i >= 6 && bytes[i] == UInt8(ascii: "\\") && bytes[i + 1] == UInt8(ascii: "u") {
                        let save = i
                        i += 2
                        let lo = try hex4()
                        if lo >= 0xDC00 && lo < 0xE000 {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                        } else {
                            i = save
                            cp = 0xFFFD
                        }
                    } else {
                        cp = 0xFFFD
                    }
                } else if cp >= 0xDC00 && cp < 0xE000 {
                    cp = 0xFFFD
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(cp)!)).utf8)
            default: throw fail("bad escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
    }

    /// Skips any value (checked only as far as needed to find where it ends).
    package mutating func skipValue() throws(TokError) {
        skipSpace()
        guard !atEnd else { throw fail("expected a value") }
        switch bytes[i] {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            let close = bytes[i] == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
            i += 1
            while true {
                skipSpace()
                guard !atEnd else { throw fail("unterminated value") }
                if bytes[i] == close { i += 1; return }
                if bytes[i] == UInt8(ascii: ",") || bytes[i] == UInt8(ascii: ":") { i += 1; continue }
                try skipValue()
            }
        default:
            let s = i
            while i < bytes.endIndex, ![UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x20, 0x09, 0x0D, 0x0A].contains(bytes[i]) { i += 1 }
            guard i > s else { throw fail("expected a value") }
        }
    }
}

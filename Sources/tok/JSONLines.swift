/// A JSON Lines record reader that keeps text exact.
///
/// Foundation's JSONSerialization drops a U+FEFF at the start of a string, which would silently
/// change the text; this reader decodes strings to their UTF-8 bytes without any normalization
/// (an unpaired surrogate escape becomes U+FFFD, as JSON text cannot carry it in UTF-8).
struct JSONRecord {
    /// The record's text (the line's string, or the object's `field`).
    var text: [UInt8]
    /// The raw JSON of each top-level member of an object record (empty for a string record).
    var members: [(key: String, raw: ArraySlice<UInt8>)]

    /// Parses one line: a JSON string, or an object whose `field` is a string.
    static func parse(_ line: ArraySlice<UInt8>, field: String, location: String) throws -> JSONRecord {
        var p = JSONScanner(bytes: line, location: location, failPrefix: "not valid JSON: ")
        p.skipSpace()
        guard !p.atEnd else { throw p.fail("empty record") }
        if line[p.i] == UInt8(ascii: "\"") {
            let s = try p.string()
            try p.expectEnd()
            return JSONRecord(text: s, members: [])
        }
        guard line[p.i] == UInt8(ascii: "{") else { throw p.fail("expected a JSON string or object") }
        p.i += 1
        var members: [(key: String, raw: ArraySlice<UInt8>)] = []
        var text: [UInt8]?
        p.skipSpace()
        if !p.atEnd && line[p.i] == UInt8(ascii: "}") {
            p.i += 1
        } else {
            while true {
                p.skipSpace()
                let key = String(decoding: try p.string(), as: UTF8.self)
                p.skipSpace()
                guard !p.atEnd, line[p.i] == UInt8(ascii: ":") else { throw p.fail("expected ':' in object") }
                p.i += 1
                p.skipSpace()
                let start = p.i
                if key == field {
                    guard !p.atEnd, line[p.i] == UInt8(ascii: "\"") else {
                        throw p.fail("field '\(field)' is not a string")
                    }
                    text = try p.string()
                } else {
                    try p.skipValue()
                }
                members.append((key, line[start..<p.i]))
                p.skipSpace()
                guard !p.atEnd else { throw p.fail("unterminated object") }
                if line[p.i] == UInt8(ascii: ",") { p.i += 1; continue }
                if line[p.i] == UInt8(ascii: "}") { p.i += 1; break }
                throw p.fail("expected ',' or '}' in object")
            }
        }
        try p.expectEnd()
        guard let text else { throw p.fail("record has no string field '\(field)'") }
        return JSONRecord(text: text, members: members)
    }
}

/// Reads every record of a JSON Lines file (blank lines skipped); errors name the file and line.
func readJSONLRecords(path: String, field: String) throws -> [JSONRecord] {
    let data = try readAll(path: path)
    var out: [JSONRecord] = []
    var lineNo = 0
    let name = path == "-" ? "stdin" : path
    for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
        lineNo += 1
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
        out.append(try JSONRecord.parse(line, field: field, location: "\(name):\(lineNo)"))
    }
    return out
}

/// A cursor over one line of JSON (records, and the id lines `tok decode` reads).
struct JSONScanner {
    let bytes: ArraySlice<UInt8>
    let location: String
    let failPrefix: String
    var i: Int

    init(bytes: ArraySlice<UInt8>, location: String, failPrefix: String) {
        self.bytes = bytes
        self.location = location
        self.failPrefix = failPrefix
        self.i = bytes.startIndex
    }

    var atEnd: Bool { i >= bytes.endIndex }

    func fail(_ what: String) -> CLIError { CLIError("\(failPrefix)\(what) (\(location))") }

    mutating func skipSpace() {
        while i < bytes.endIndex, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[i]) { i += 1 }
    }

    mutating func expectEnd() throws {
        skipSpace()
        guard atEnd else { throw fail("unexpected text after the value") }
    }

    private mutating func hex4() throws -> UInt32 {
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
    mutating func string() throws -> [UInt8] {
        guard !atEnd, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string") }
        i += 1
        var out: [UInt8] = []
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
    mutating func skipValue() throws {
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

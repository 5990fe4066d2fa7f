import TokCore

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
    let name = inputName(path)
    for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
        lineNo += 1
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
        out.append(try JSONRecord.parse(line, field: field, location: "\(name):\(lineNo)"))
    }
    return out
}

import ArgumentParser
import TokCore

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode token ids (stdin or files) back to bytes.",
        discussion: """
            Reads what `tok encode` writes: text (ids separated by spaces, a line per text), json,
            jsonl (arrays, or objects with "ids") or u16/u32 binary. text, json and jsonl are
            recognized on their own; binary needs --format. The bytes are written unchanged, so
            `tok encode | tok decode` returns the input byte for byte.

            Examples:
              echo 9906 11 1917 0 | tok decode                      # Hello, world!
              tok encode < in.txt | tok decode > out.txt && cmp in.txt out.txt
              tok decode --format u32 corpus.u32 | head
              tok decode --output jsonl ids.jsonl                   # {"text": "..."} per record
            """)

    @OptionGroup var vocab: VocabOptions

    @Option(help: "Input format: text, json, jsonl, u16 or u32 (text/json/jsonl are detected when omitted).")
    var format: IDFormat?

    @Option(help: "Output: raw bytes (default) or jsonl, a JSON string per input record.")
    var output: DecodeOutput = .raw

    @Argument(help: "Files of ids (default: standard input).")
    var files: [String] = []

    enum DecodeOutput: String, ExpressibleByArgument { case raw, jsonl }

    func run() throws {
        try reportingErrors {
            let tok = try vocab.load()
            let out = Output()
            for path in files.isEmpty ? ["-"] : files {
                let data = try readAll(path: path)
                let records = try parseIDRecords(data, format: format, source: inputName(path))
                for (k, ids) in records.enumerated() {
                    let bytes: [UInt8]
                    do {
                        bytes = try tok.decodeBytes(ids)
                    } catch let error as TokError {
                        throw TokError(error.code, error.message,
                                       at: "\(inputName(path)) record \(k + 1), \(error.location ?? "")")
                    }
                    switch output {
                    case .raw: out.write(bytes: bytes)
                    case .jsonl: out.write("{\"text\":" + jsonString(bytes) + "}\n")
                    }
                }
            }
            out.flush()
        }
    }
}

/// Splits input into records of ids. Errors name the line.
func parseIDRecords(_ data: [UInt8], format: IDFormat?, source: String) throws -> [[Int]] {
    switch format {
    case .u16?, .u32?:
        let w = format == .u16 ? 2 : 4
        guard data.count % w == 0 else {
            throw CLIError("\(data.count) bytes is not a whole number of \(w * 8)-bit ids (\(source))")
        }
        var ids = [Int]()
        ids.reserveCapacity(data.count / w)
        var i = 0
        while i < data.count {
            var v = 0
            for k in 0..<w { v |= Int(data[i + k]) << (8 * k) }
            ids.append(v)
            i += w
        }
        return [ids]
    default:
        break
    }
    var records: [[Int]] = []
    var lineNo = 0
    var start = 0
    let n = data.count
    while start <= n {
        var end = start
        while end < n && data[end] != 0x0A { end += 1 }
        lineNo += 1
        let line = data[start..<end]
        let isLast = end >= n
        start = end + 1
        var p = JSONScanner(bytes: line, location: "\(source):\(lineNo)", failPrefix: "")
        p.skipSpace()
        if p.atEnd {
            // an empty line between records is an empty text (encode of an empty input)
            if !isLast && format != .json { records.append([]) }
            continue
        }
        records.append(contentsOf: try p.records())
    }
    return records
}

/// Reading one line of ids: space-separated integers, a JSON array, an array of arrays, or an
/// object with an "ids" array. Exact integers only; anything else is an error naming the line.
extension JSONScanner {
    mutating func records() throws -> [[Int]] {
        skipSpace()
        guard !atEnd else { return [] }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            let r = try object()
            try expectIDsEnd()
            return [r]
        case UInt8(ascii: "["):
            // [1,2] or [[1,2],[3]]
            var j = i + 1
            while j < bytes.endIndex, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[j]) { j += 1 }
            if j < bytes.endIndex && (bytes[j] == UInt8(ascii: "[") || bytes[j] == UInt8(ascii: "{")) {
                var out: [[Int]] = []
                i += 1
                while true {
                    skipSpace()
                    if !atEnd && bytes[i] == UInt8(ascii: "{") { out.append(try object()) } else { out.append(try array()) }
                    skipSpace()
                    guard !atEnd else { throw fail("unterminated array") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; break }
                    throw fail("expected ',' or ']'")
                }
                try expectIDsEnd()
                return out
            }
            let r = try array()
            try expectIDsEnd()
            return [r]
        default:
            var ids: [Int] = []
            while true {
                skipSpace()
                if atEnd { break }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                ids.append(try integer())
            }
            return [ids]
        }
    }

    mutating func expectIDsEnd() throws {
        skipSpace()
        if !atEnd { throw fail("unexpected text after the ids") }
    }

    mutating func integer() throws -> Int {
        let s = i
        var v = 0
        while i < bytes.endIndex, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(bytes[i] - 0x30))
            if o1 || o2 { throw fail("id too large") }
            v = a
            i += 1
        }
        if i == s || (i < bytes.endIndex && ![0x20, 0x09, 0x0D, 0x2C, 0x5D, 0x7D].contains(bytes[i])) {
            var e = s
            while e < bytes.endIndex, ![0x20, 0x09, 0x0D, 0x2C, 0x5D].contains(bytes[e]) { e += 1 }
            let word = String(decoding: bytes[s..<Swift.max(e, s + 1 <= bytes.endIndex ? s + 1 : s)].prefix(40), as: UTF8.self)
            throw fail("'\(word)' is not a token id")
        }
        return v
    }

    mutating func array() throws -> [Int] {
        skipSpace()
        guard !atEnd, bytes[i] == UInt8(ascii: "[") else { throw fail("expected an array of ids") }
        i += 1
        var ids: [Int] = []
        skipSpace()
        if !atEnd && bytes[i] == UInt8(ascii: "]") { i += 1; return ids }
        while true {
            skipSpace()
            ids.append(try integer())
            skipSpace()
            guard !atEnd else { throw fail("unterminated array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return ids }
            throw fail("expected ',' or ']'")
        }
    }

    /// An object: the value of its "ids" key; other keys' values are skipped.
    mutating func object() throws -> [Int] {
        i += 1 // '{'
        var ids: [Int]? = nil
        while true {
            skipSpace()
            guard !atEnd else { throw fail("unterminated object") }
            if bytes[i] == UInt8(ascii: "}") { i += 1; break }
            let key = String(decoding: try string(), as: UTF8.self)
            skipSpace()
            guard !atEnd, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' in object") }
            i += 1
            skipSpace()
            if key == "ids" { ids = try array() } else { try skipValue() }
            skipSpace()
            guard !atEnd else { throw fail("unterminated object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; break }
            throw fail("expected ',' or '}' in object")
        }
        guard let ids else { throw fail("record has no \"ids\"") }
        return ids
    }


}

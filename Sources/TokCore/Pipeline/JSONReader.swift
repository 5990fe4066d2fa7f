import Foundation

/// The key/value pairs of a JSON object in file order, with keys as their exact UTF-8 bytes.
/// Swift `String` keys compare by canonical equivalence, so `"é"` and `"e\u{301}"` (both
/// vocabulary entries in real tokenizers) would collide in a `[String: Any]`.
final class _JSONPairs {
    let pairs: [([UInt8], Any)]
    init(_ p: [([UInt8], Any)]) { pairs = p }
}

/// A JSON reader for tokenizer files. Foundation's drops a leading U+FEFF from strings and
/// merges canonically equivalent keys; this one keeps every byte. Objects come back as
/// `[String: Any]` with their exact pairs under the key `_JSONReader.pairsKey`; numbers as
/// `NSNumber`, null as `NSNull`.
struct _JSONReader {
    static let pairsKey = "\u{0}pairs"
    let b: [UInt8]
    var i = 0
    let source: String
    /// Whether objects carry their exact pairs under ``pairsKey``.
    var keepPairs = true

    init(_ data: Data, source: String) {
        b = [UInt8](data)
        self.source = source
    }

    func fail(_ what: String) -> TokError {
        TokError(.malformedVocabulary, "not valid JSON: \(what)", at: "\(source) (byte \(i))")
    }

    mutating func ws() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }

    mutating func parse() throws(TokError) -> Any {
        let v = try value(depth: 0)
        ws()
        guard i == b.count else { throw fail("extra data after the value") }
        return v
    }

    mutating func value(depth: Int) throws(TokError) -> Any {
        guard depth < 200 else { throw fail("nested too deeply") }
        ws()
        guard i < b.count else { throw fail("unexpected end") }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            var pairs: [([UInt8], Any)] = []
            var dict: [String: Any] = [:]
            ws()
            if i < b.count, b[i] == UInt8(ascii: "}") {
                i += 1
                if keepPairs { dict[Self.pairsKey] = _JSONPairs([]) }
                return dict
            }
            while true {
                ws()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let k = try string()
                ws()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                let v = try value(depth: depth + 1)
                if keepPairs { pairs.append((k, v)) }
                dict[String(decoding: k, as: UTF8.self)] = v
                ws()
                guard i < b.count else { throw fail("unexpected end in an object") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; break }
                throw fail("expected ',' or '}'")
            }
            if keepPairs { dict[Self.pairsKey] = _JSONPairs(pairs) }
            return dict
        case UInt8(ascii: "["):
            i += 1
            var arr: [Any] = []
            ws()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return arr }
            while true {
                arr.append(try value(depth: depth + 1))
                ws()
                guard i < b.count else { throw fail("unexpected end in an array") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; break }
                throw fail("expected ',' or ']'")
            }
            return arr
        case UInt8(ascii: "\""):
            return String(decoding: try string(), as: UTF8.self)
        case UInt8(ascii: "t"): return try literal("true", NSNumber(value: true))
        case UInt8(ascii: "f"): return try literal("false", NSNumber(value: false))
        case UInt8(ascii: "n"): return try literal("null", NSNull())
        default:
            return try number()
        }
    }

    mutating func literal(_ word: String, _ v: Any) throws(TokError) -> Any {
        let w = Array(word.utf8)
        guard b.count - i >= w.count, Array(b[i..<(i + w.count)]) == w else { throw fail("unexpected character") }
        i += w.count
        return v
    }

    mutating func number() throws(TokError) -> Any {
        let s = i
        var isInt = true
        while i < b.count {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 || c == UInt8(ascii: "-") { i += 1; continue }
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+") {
                isInt = false; i += 1; continue
            }
            break
        }
        let text = String(decoding: b[s..<i], as: UTF8.self)
        if isInt, let v = Int(text) { return NSNumber(value: v) }
        guard !text.isEmpty, let d = Double(text) else { throw fail("bad number \(text.debugDescription)") }
        return NSNumber(value: d)
    }

    mutating func hex4() throws(TokError) -> UInt32 {
        guard b.count - i >= 4, let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16) else {
            throw fail("bad \\u escape")
        }
        i += 4
        return v
    }

    /// A string's exact bytes (escapes resolved; a lone surrogate escape becomes U+FFFD).
    mutating func string() throws(TokError) -> [UInt8] {
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < b.count else { throw fail("unterminated string") }
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return out }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < b.count else { throw fail("unterminated escape") }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                var v = try hex4()
                if v >= 0xD800 && v < 0xDC00, b.count - i >= 6, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                    let save = i
                    i += 2
                    let lo = try hex4()
                    if lo >= 0xDC00 && lo < 0xE000 { v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00) } else { i = save }
                }
                out.append(contentsOf: UTF8.bytes(of: Unicode.Scalar(v) ?? "\u{FFFD}"))
            default: out.append(e)
            }
        }
    }
}

/// One JSON value read with Tok's reader (every string byte kept); for the test support code.
package func _readJSONValue(_ data: Data) throws(TokError) -> Any {
    var r = _JSONReader(data, source: "<json>")
    r.keepPairs = false
    return try r.parse()
}

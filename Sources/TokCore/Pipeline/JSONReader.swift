import Foundation

/// The key/value pairs of a JSON object in file order, with keys as their exact UTF-8 bytes.
/// Swift `String` keys compare by canonical equivalence, so `"é"` and `"e\u{301}"` (both
/// vocabulary entries in real tokenizers) would collide in a `[String: Any]`.
final class _JSONPairs {
    let pairs: [([UInt8], Any)]
    init(_ p: [([UInt8], Any)]) { pairs = p }
}

/// Whole JSON documents (tokenizer files) as Foundation-style values, read with Tok's
/// ``JSONScanner`` so that every string byte is kept. Objects come back as `[String: Any]`,
/// with their exact pairs under ``pairsKey`` when `keepPairs`; numbers as `NSNumber`, null as
/// `NSNull`.
struct _JSONReader {
    static let pairsKey = "\u{0}pairs"
    var s: JSONScanner
    /// Whether objects carry their exact pairs under ``pairsKey``.
    var keepPairs = true

    init(_ data: Data, source: String) {
        s = JSONScanner(bytes: [UInt8](data)[...], location: source, failPrefix: "not valid JSON: ",
                        code: .malformedVocabulary)
    }

    func fail(_ what: String) -> TokError { s.fail("\(what) at byte \(s.i)") }

    mutating func parse() throws(TokError) -> Any {
        let v = try value(depth: 0)
        try s.expectEnd()
        return v
    }

    /// Reads `{`/`[`, then items separated by commas up to the closing bracket.
    mutating func items(close: UInt8, _ item: (inout _JSONReader) throws(TokError) -> Void) throws(TokError) {
        s.i += 1
        s.skipSpace()
        if !s.atEnd, s.bytes[s.i] == close { s.i += 1; return }
        while true {
            try item(&self)
            s.skipSpace()
            guard !s.atEnd else { throw fail("unexpected end") }
            if s.bytes[s.i] == UInt8(ascii: ",") { s.i += 1; s.skipSpace(); continue }
            if s.bytes[s.i] == close { s.i += 1; return }
            throw fail("expected ',' or '\(Character(Unicode.Scalar(close)))'")
        }
    }

    mutating func value(depth: Int) throws(TokError) -> Any {
        guard depth < 200 else { throw fail("nested too deeply") }
        s.skipSpace()
        guard !s.atEnd else { throw fail("unexpected end") }
        switch s.bytes[s.i] {
        case UInt8(ascii: "{"):
            var pairs: [([UInt8], Any)] = []
            var dict: [String: Any] = [:]
            let keep = keepPairs
            try items(close: UInt8(ascii: "}")) { r throws(TokError) in
                let k = try r.s.string()
                r.s.skipSpace()
                guard !r.s.atEnd, r.s.bytes[r.s.i] == UInt8(ascii: ":") else { throw r.fail("expected ':'") }
                r.s.i += 1
                let v = try r.value(depth: depth + 1)
                if keep { pairs.append((k, v)) }
                dict[String(decoding: k, as: UTF8.self)] = v
            }
            if keep { dict[Self.pairsKey] = _JSONPairs(pairs) }
            return dict
        case UInt8(ascii: "["):
            var arr: [Any] = []
            try items(close: UInt8(ascii: "]")) { r throws(TokError) in arr.append(try r.value(depth: depth + 1)) }
            return arr
        case UInt8(ascii: "\""):
            return String(decoding: try s.string(), as: UTF8.self)
        case UInt8(ascii: "t"): return try literal("true", NSNumber(value: true))
        case UInt8(ascii: "f"): return try literal("false", NSNumber(value: false))
        case UInt8(ascii: "n"): return try literal("null", NSNull())
        default:
            return try number()
        }
    }

    mutating func literal(_ word: String, _ v: Any) throws(TokError) -> Any {
        let w = Array(word.utf8)
        guard s.bytes.endIndex - s.i >= w.count, s.bytes[s.i..<(s.i + w.count)].elementsEqual(w) else {
            throw fail("unexpected character")
        }
        s.i += w.count
        return v
    }

    mutating func number() throws(TokError) -> Any {
        let start = s.i
        var isInt = true
        while !s.atEnd {
            let c = s.bytes[s.i]
            if c >= 0x30 && c <= 0x39 || c == UInt8(ascii: "-") { s.i += 1; continue }
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+") {
                isInt = false; s.i += 1; continue
            }
            break
        }
        let text = String(decoding: s.bytes[start..<s.i], as: UTF8.self)
        if isInt, let v = Int(text) { return NSNumber(value: v) }
        guard !text.isEmpty, let d = Double(text) else { throw fail("bad number \(text.debugDescription)") }
        return NSNumber(value: d)
    }
}

/// One JSON value read with Tok's reader (every string byte kept); for the test support code.
package func _readJSONValue(_ data: Data) throws(TokError) -> Any {
    var r = _JSONReader(data, source: "<json>")
    r.keepPairs = false
    return try r.parse()
}

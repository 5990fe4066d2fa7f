internal import CTokKernels
import Foundation

/// The key/value pairs of a JSON object in file order, with keys as their exact UTF-8 bytes.
/// Swift `String` keys compare by canonical equivalence, so `"é"` and `"e\u{301}"` (both
/// vocabulary entries in real tokenizers) would collide in a `[String: Any]`.
final class _JSONPairs {
    let pairs: [([UInt8], Any)]
    init(_ p: [([UInt8], Any)]) { pairs = p }
}

/// A value left unread by ``_JSONReader`` (see ``_JSONReader/rawKeys``): its byte range in
/// the document, for a dedicated reader (the C vocabulary and merges readers) or ``value()``.
final class _JSONRaw {
    /// The document the range is in, shared by every raw value of one read.
    let doc: _JSONDocument
    let range: Range<Int>
    let source: String

    init(doc: _JSONDocument, range: Range<Int>, source: String) {
        self.doc = doc
        self.range = range
        self.source = source
    }

    /// The whole document (empty once released).
    var document: [UInt8] { doc.bytes }

    /// The value, read with the generic reader (for shapes the dedicated readers do not take).
    func value() throws(TokError) -> Any {
        guard !doc.bytes.isEmpty else { throw TokError(.invalidArgument, "the document was released", at: source) }
        var r = _JSONReader(bytes: doc.bytes, range: range, source: source)
        return try r.value(depth: 1)
    }
}

/// The bytes of a JSON document that raw values point into; a loader releases them once it has
/// read the raw sections it needs (a large file is then not held while the rest is built).
final class _JSONDocument {
    var bytes: [UInt8]
    init(_ bytes: consuming [UInt8]) { self.bytes = bytes }
    func release() { bytes = [] }
}

/// Whole JSON documents (tokenizer files) as Foundation-style values, read with Tok's
/// ``JSONScanner`` so that every string byte is kept. Objects come back as `[String: Any]`,
/// with their exact pairs under ``pairsKey`` when `keepPairs`; numbers as `NSNumber`, null as
/// `NSNull`.
struct _JSONReader {
    static let pairsKey = "\u{0}pairs"
    /// Objects with more pairs than this are given as their pairs only (see ``value(depth:)``).
    static let keyedLimit = 4096
    var s: JSONScanner
    let document: [UInt8]
    /// What raw values point into (see ``rawKeys``).
    var doc: _JSONDocument? = nil
    /// Whether objects carry their exact pairs under ``pairsKey``.
    var keepPairs = true
    /// Keys whose values are skipped (checked to be well-formed JSON) and given as ``_JSONRaw``:
    /// the large vocabulary and merges sections, read later by dedicated readers.
    var rawKeys: Set<String> = []

    init(_ data: Data, source: String) {
        self.init(bytes: [UInt8](data), range: nil, source: source)
    }

    init(bytes: consuming [UInt8], range: Range<Int>?, source: String) {
        let all = consume bytes
        s = JSONScanner(bytes: all[range ?? all.indices], location: source, failPrefix: "not valid JSON: ",
                        code: .malformedVocabulary)
        document = all
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
                let v: Any
                if !r.rawKeys.isEmpty, r.rawKeys.contains(String(decoding: k, as: UTF8.self)) {
                    v = try r.raw()
                } else {
                    v = try r.value(depth: depth + 1)
                }
                if keep { pairs.append((k, v)) } else { dict[String(decoding: k, as: UTF8.self)] = v }
            }
            guard keep else { return dict }
            // Large objects are vocabularies, read through their pairs only: a String-keyed
            // dictionary of a hundred thousand tokens would cost more than reading the file.
            if pairs.count <= Self.keyedLimit {
                for (k, v) in pairs { dict[String(decoding: k, as: UTF8.self)] = v }
            }
            dict[Self.pairsKey] = _JSONPairs(pairs)
            return dict
        case UInt8(ascii: "["):
            var arr: [Any] = []
            try items(close: UInt8(ascii: "]")) { r throws(TokError) in arr.append(try r.value(depth: depth + 1)) }
            return arr
        case UInt8(ascii: "\""):
            return try s.stringValue()
        case UInt8(ascii: "t"): return try literal("true", NSNumber(value: true))
        case UInt8(ascii: "f"): return try literal("false", NSNumber(value: false))
        case UInt8(ascii: "n"): return try literal("null", NSNull())
        default:
            return try number()
        }
    }

    /// Skips the value at the cursor (checked by the C scanner) and returns its range.
    mutating func raw() throws(TokError) -> _JSONRaw {
        s.skipSpace()
        let start = s.i
        var errPos = 0
        var why: UnsafePointer<CChar>? = nil
        let end = document.withUnsafeBufferPointer {
            tok_json_skip($0.baseAddress, s.bytes.endIndex, start, &errPos, &why)
        }
        guard end >= 0 else {
            s.i = errPos
            throw fail(why.map { String(cString: $0) } ?? "malformed value")
        }
        s.i = Int(end)
        if doc == nil { doc = _JSONDocument(document) }
        return _JSONRaw(doc: doc!, range: start..<Int(end), source: s.location)
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
        // the common case: a small non-negative integer, read without a String
        var v = 0, digits = 0
        while !s.atEnd, digits < 18, case let c = s.bytes[s.i], c >= 0x30 && c <= 0x39 {
            v = v * 10 + Int(c - 0x30)
            digits += 1
            s.i += 1
        }
        if digits > 0 && (digits == 1 || s.bytes[start] != 0x30) {
            if s.atEnd { return NSNumber(value: v) }
            switch s.bytes[s.i] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "-"), UInt8(ascii: "+"),
                 0x30...0x39: break
            default: return NSNumber(value: v)
            }
        }
        s.i = start
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

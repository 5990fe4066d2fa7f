internal import CTokKernels

/// A text pattern of a Split, Replace or Metaspace step: a literal string or a regular
/// expression (a recognized tokenizer regex runs on its C scanner, any other on ICU).
struct _Pattern: Sendable {
    enum Kind: Sendable {
        case literal([UInt8])
        case scanner(SplitPattern)
        case regex(_Regex)
    }
    let kind: Kind

    /// What runs the pattern: `literal "…"`, `scanner NAME` or `ICU regex "…"`.
    var summary: String {
        switch kind {
        case .literal(let b): return "literal \(String(decoding: b, as: UTF8.self).debugDescription)"
        case .scanner(let p): return "scanner \(p.rawValue)"
        case .regex(let r): return "ICU regex \(r.source.debugDescription)"
        }
    }

    /// The scanner whose pieces tile the text (each piece a match), or nil.
    var tilingScanner: SplitPattern? {
        if case .scanner(let p) = kind, p.tilesText { return p }
        return nil
    }

    /// Non-overlapping, non-empty matches in bytes[range], left to right, as absolute ranges.
    func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [Range<Int>] {
        switch kind {
        case .literal(let lit):
            guard !lit.isEmpty else { return [] }
            var out: [Range<Int>] = []
            var i = range.lowerBound
            while i + lit.count <= range.upperBound {
                var eq = true
                for k in 0..<lit.count where bytes[i + k] != lit[k] { eq = false; break }
                if eq { out.append(i..<(i + lit.count)); i += lit.count } else { i += 1 }
            }
            return out
        case .scanner(let p):
            // The leftmost matches, as the regex's search finds them (for most patterns they
            // tile the text).
            var out: [Range<Int>] = []
            let base = bytes.baseAddress! + range.lowerBound
            let n = range.count
            var i = 0
            while i < n {
                var start = 0
                let e = tok_pretok_find(p.kernelID, base, n, i, &start)
                if start >= n { break }
                out.append((range.lowerBound + start)..<(range.lowerBound + e))
                i = e
            }
            return out
        case .regex(let r):
            return r.matches(bytes, range)
        }
    }
}

/// A compiled ICU regular expression, freed with its last copy.
package final class _Regex: @unchecked Sendable {
    let handle: OpaquePointer
    let source: String

    /// Compiles a pattern written for Oniguruma (as tokenizer.json files are) into ICU's reading of
    /// the same pattern (see ``translate(_:)``).
    /// - Throws: ``TokError/Code/unsupported`` for a construct whose meaning differs between the two
    ///   engines and that Tok does not translate, or one ICU cannot compile.
    convenience init(_ pattern: String, at location: String) throws(TokError) {
        let icu: String
        do throws(TokError) { icu = try Self.translate(pattern) } catch {
            throw TokError(.unsupported, "regex \(pattern.debugDescription): \(error.message)", at: location)
        }
        try self.init(icu: icu, source: pattern, at: location)
    }

    /// The Whitespace pre-tokenizer's `\w+|[^\w\s]+`, which runs on Rust's regex crate in
    /// tokenizers (not on Oniguruma): word characters as Rust reads them, with Unicode 16.0.
    static func whitespaceWords(at location: String) throws(TokError) -> _Regex {
        let w = ranges(_whitespaceWord)
        return try _Regex(icu: "[" + w + "]+|[^" + w + #"\p{White_Space}]+"#, source: #"\w+|[^\w\s]+"#, at: location)
    }

    /// Compiles a pattern already in ICU's syntax; `source` is what the file said.
    init(icu pattern: String, source: String, at location: String) throws(TokError) {
        self.source = source
        let icu = Array(pattern.utf8)
        var out: OpaquePointer?
        var why = [CChar](repeating: 0, count: 64)
        var offset: Int32 = -1
        let rc = icu.withUnsafeBufferPointer { p in
            tok_regex_compile(p.baseAddress, p.count, &out, &why, why.count, &offset)
        }
        guard rc == 0, let h = out else {
            let name = String(decoding: why.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw TokError(.unsupported, "regex \(source.debugDescription) cannot run on ICU: \(name) at offset \(offset)",
                           at: location)
        }
        handle = h
    }

    deinit { tok_regex_free(handle) }

    /// Oniguruma's reading of a pattern (Ruby syntax, Unicode 16.0 properties, as Hugging Face
    /// `tokenizers` compiles it) in ICU's syntax (ICU 72: Unicode 15.0), compiled with `^`/`$` at
    /// every line and only LF ending a line, as in Oniguruma:
    ///  - `\s` / `\S` become the White_Space property (ICU's `\s` is narrower);
    ///  - `\p{X}`, `\P{X}`, `\p{^X}` and `\d` / `\D` (Oniguruma: Decimal_Number) become the property
    ///    with the characters Unicode 15.1 and 16.0 added to it or moved out of it
    ///    (`_regexUnicodeDelta`, read off Oniguruma by tools/gen_regex_delta.py); a property not in
    ///    that table is refused;
    ///  - `\h` / `\H` are hexadecimal digits in Oniguruma (horizontal space in ICU);
    ///  - `\Z` is the end or a final LF only;
    ///  - an interval followed by `+` (`X{1,3}+`) is, in Oniguruma's Ruby syntax, the interval
    ///    repeated one or more times, not a possessive interval as in ICU: it becomes `(?:X{1,3})+`.
    ///    (`?+`, `*+`, `++` are possessive in both.)
    ///  - `\w` / `\W` become Oniguruma's word characters, which are not ICU's (and not the same
    ///    inside and outside a bracket: outside it also takes ² ³ ¹ ¼ ½ ¾), as explicit ranges;
    ///  - refused (`unsupported`): `\b`, `\B` (word boundaries), `\X`, `\pL` without braces,
    ///    POSIX brackets `[:alpha:]`, the options `m` and `s` (Ruby's `m` is ICU's `s`, whose dot
    ///    takes CR LF as one character).
    /// Oniguruma's `\w` as ICU set ranges: outside a bracket and inside one (they differ).
    static let wordOutside = ranges(_onigurumaWordOutside), wordInside = ranges(_onigurumaWordInside)

    static func ranges(_ rs: [ClosedRange<UInt32>]) -> String {
        func hex(_ v: UInt32) -> String { "\\x{" + String(v, radix: 16, uppercase: true) + "}" }
        return rs.map { r in r.lowerBound == r.upperBound ? hex(r.lowerBound) : hex(r.lowerBound) + "-" + hex(r.upperBound) }.joined()
    }

    package static func translate(_ p: String) throws(TokError) -> String {
        let c = Array(p.unicodeScalars)
        var out: [Unicode.Scalar] = []
        var atomStart: Int? = nil  // where the last atom begins in `out`
        var groups: [Int] = []
        var i = 0
        func append(_ s: String) { out.append(contentsOf: s.unicodeScalars) }
        func refuse(_ what: String) -> TokError { TokError(.unsupported, what) }
        /// A property as a set ICU 72 reads the way Oniguruma reads the original.
        func property(_ name: String, negated: Bool) throws(TokError) -> String {
            let key = String(name.lowercased().unicodeScalars.filter { $0 != "_" && $0 != " " && $0 != "-" })
            if key == "whitespace" { return negated ? #"\P{White_Space}"# : #"\p{White_Space}"# }
            guard let delta = _regexUnicodeDelta[_regexUnicodeAliases[key] ?? key] else {
                throw refuse("\\p{\(name)}: not a property Tok checks against Oniguruma's Unicode data (general categories, Any, Assigned, White_Space and common scripts are)")
            }
            func set(_ rs: [ClosedRange<UInt32>]) -> String { Self.ranges(rs) }
            if delta.add.isEmpty && delta.remove.isEmpty { return (negated ? "\\P{" : "\\p{") + name + "}" }
            var inner = "\\p{" + name + "}" + set(delta.add)
            if !delta.remove.isEmpty { inner = "[" + inner + "]--[" + set(delta.remove) + "]" }
            return negated ? "[^[" + inner + "]]" : "[" + inner + "]"
        }
        /// Translates the escape at c[i]; the index after it.
        func escape(_ i: Int, inClass: Bool) throws(TokError) -> Int {
            guard i + 1 < c.count else { out.append(c[i]); return i + 1 }
            let d = c[i + 1]
            switch d {
            case "s": append(#"\p{White_Space}"#); return i + 2
            case "S": append(#"\P{White_Space}"#); return i + 2
            case "d": append(try property("Nd", negated: false)); return i + 2
            case "D": append(try property("Nd", negated: true)); return i + 2
            case "h": append(inClass ? "0-9a-fA-F" : "[0-9a-fA-F]"); return i + 2
            case "H": append("[^0-9a-fA-F]"); return i + 2
            case "w": append(inClass ? Self.wordInside : "[" + Self.wordOutside + "]"); return i + 2
            case "W": append("[^" + (inClass ? Self.wordInside : Self.wordOutside) + "]"); return i + 2
            case "b", "B":
                throw refuse("\\\(d): Oniguruma's word boundaries follow its own word characters, which ICU's do not")
            case "X": throw refuse("\\X: grapheme clusters follow different Unicode versions in Oniguruma and ICU")
            case "Z" where !inClass:   // the end, or before a final LF (ICU's \Z also takes CR LF, CR, U+2028…)
                append(#"(?=\n?\z)"#); return i + 2
            case "p", "P":
                guard i + 2 < c.count, c[i + 2] == "{", let close = c[(i + 2)...].firstIndex(of: "}") else {
                    throw refuse("\\\(d) without braces")
                }
                var name = String(String.UnicodeScalarView(c[(i + 3)..<close]))
                var negated = d == "P"
                if name.hasPrefix("^") { name.removeFirst(); negated.toggle() }
                append(try property(name, negated: negated))
                return close + 1
            default:
                out.append(c[i]); out.append(d)
                return i + 2
            }
        }
        while i < c.count {
            let ch = c[i]
            switch ch {
            case "\\":
                atomStart = out.count
                i = try escape(i, inClass: false)
            case "[":
                // A character class, nested classes and escapes included, is one atom; its
                // escapes are translated as outside it.
                let start = out.count
                var depth = 0
                while i < c.count {
                    if c[i] == "\\" { i = try escape(i, inClass: true); continue }
                    if c[i] == "[", depth > 0, i + 1 < c.count, c[i + 1] == ":",
                       let end = c[(i + 2)...].firstIndex(of: "]"), end > i + 2, c[end - 1] == ":" {
                        throw refuse("POSIX bracket \(String(String.UnicodeScalarView(c[i...end]))): Oniguruma's classes differ from ICU's")
                    }
                    if c[i] == "[" { depth += 1 } else if c[i] == "]" { depth -= 1 }
                    out.append(c[i])
                    i += 1
                    if depth == 0 { break }
                }
                atomStart = start
            case "(":
                groups.append(out.count); out.append(ch); i += 1; atomStart = nil
                // Option letters, (?i-x) or (?i:…): Ruby's m (dot matches newline) would be ICU's s,
                // but ICU's dot then takes CR LF as one character, Oniguruma's as two.
                if i < c.count, c[i] == "?" {
                    var j = i + 1
                    while j < c.count, "imsx-".unicodeScalars.contains(c[j]) { j += 1 }
                    if j > i + 1, j < c.count, c[j] == ")" || c[j] == ":", c[(i + 1)..<j].contains(where: { $0 == "m" || $0 == "s" }) {
                        throw refuse("the options m and s: ICU's dot-matches-all takes CR LF as one character")
                    }
                }
            case ")":
                out.append(ch); i += 1; atomStart = groups.popLast()
            case "{":
                // An interval {n}, {n,} or {n,m}; anything else is a literal brace.
                var j = i + 1
                while j < c.count, ("0"..."9").contains(c[j]) || c[j] == "," { j += 1 }
                if j < c.count, c[j] == "}", j > i + 1, let a = atomStart {
                    out.append(contentsOf: c[i...j])
                    i = j + 1
                    if i < c.count, c[i] == "+" {
                        out.insert(contentsOf: "(?:".unicodeScalars, at: a)
                        append(")+")
                        i += 1
                    }
                    atomStart = nil
                } else { out.append(ch); i += 1; atomStart = out.count - 1 }
            case "*", "+", "?", "|":
                out.append(ch); i += 1; atomStart = nil
            default:
                atomStart = out.count; out.append(ch); i += 1
            }
        }
        return String(String.UnicodeScalarView(out))
    }

    func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [Range<Int>] {
        let n = range.count
        guard n > 0 else { return [] }
        var starts = [UInt32](repeating: 0, count: n + 1)
        var ends = [UInt32](repeating: 0, count: n + 1)
        let k = tok_regex_matches(handle, bytes.baseAddress! + range.lowerBound, n, &starts, &ends, n + 1)
        precondition(k >= 0, "ICU regex failed (\(k))")
        return (0..<Int(k)).map { (range.lowerBound + Int(starts[$0]))..<(range.lowerBound + Int(ends[$0])) }
    }
}

/// A normalizer step of a Hugging Face pipeline (or SentencePiece's, in `.spm`).
indirect enum _Normalizer: Sendable {
    case sequence([_Normalizer])
    case unicode(Int32)                    // TOK_NFC, TOK_NFD, TOK_NFKC, TOK_NFKD
    case lowercase
    case stripAccents
    case strip(left: Bool, right: Bool)
    case replace(_Pattern, [UInt8])
    case prepend([UInt8])
    case bert(cleanText: Bool, chinese: Bool, stripAccents: Bool, lowercase: Bool)
    case spm(_SPMNormalizer)
    /// Hugging Face's Precompiled (a SentencePiece character map in a tokenizer.json).
    case precompiled(_CharsMap)
    /// Hugging Face's Nmt: SentencePiece's nmt filter (ASCII controls dropped, other line and
    /// format characters made spaces).
    case nmt

    /// The steps in one line (see ``Tokenizer/normalizerSummary``).
    var summary: String {
        switch self {
        case .sequence(let steps): return steps.map(\.summary).joined(separator: " → ")
        case .unicode(let form): return ["NFC", "NFD", "NFKC", "NFKD"][Int(form)]
        case .lowercase: return "Lowercase"
        case .stripAccents: return "StripAccents"
        case .strip(let l, let r): return "Strip(\(l ? "left" : "")\(l && r ? ", " : "")\(r ? "right" : ""))"
        case .replace(let p, let with): return "Replace(\(p.summary) → \(String(decoding: with, as: UTF8.self).debugDescription))"
        case .prepend(let b): return "Prepend(\(String(decoding: b, as: UTF8.self).debugDescription))"
        case .bert(let clean, let chinese, let strip, let lower):
            let parts = [clean ? "clean text" : nil, chinese ? "Chinese" : nil, strip ? "strip accents" : nil, lower ? "lowercase" : nil]
            return "BertNormalizer(\(parts.compactMap { $0 }.joined(separator: ", ")))"
        case .spm(let n): return "SentencePiece(\(n.charsmap == nil ? "identity" : "character map"))"
        case .precompiled: return "Precompiled"
        case .nmt: return "Nmt"
        }
    }

    func apply(_ t: _Text) -> _Text {
        switch self {
        case .sequence(let steps):
            var t = t
            for s in steps { t = s.apply(t) }
            return t
        case .unicode(let form):
            return Self.normalize(t, form: form)
        case .lowercase:
            return t.lowercased()
        case .stripAccents:
            return t.mapChars { c in !c.isInvalid && !c.scalar.isASCII && c.scalar.hfFlags & _HFChar.accent != 0 ? [] : nil }
        case .strip(let left, let right):
            let chars = t.chars(0..<t.bytes.count)
            var a = 0, b = chars.count
            if left { while a < b, chars[a].scalar.isWhiteSpace, !chars[a].isInvalid { a += 1 } }
            if right { while b > a, chars[b - 1].scalar.isWhiteSpace, !chars[b - 1].isInvalid { b -= 1 } }
            guard a < b else { return _Text(bytes: [], origin: []) }
            let r = chars[a].start..<chars[b - 1].end
            return _Text(bytes: Array(t.bytes[r]), origin: Array(t.origin[r]))
        case .replace(let pattern, let content):
            let ms = t.bytes.withUnsafeBufferPointer { pattern.matches($0, 0..<t.bytes.count) }
            guard !ms.isEmpty else { return t }
            var out = _Text(bytes: [], origin: [])
            var i = 0
            for m in ms {
                out.append(contentsOf: t, i..<m.lowerBound)
                out.bytes.append(contentsOf: content)
                out.origin.append(contentsOf: repeatElement(t.origin[m.lowerBound], count: content.count))
                i = m.upperBound
            }
            out.append(contentsOf: t, i..<t.bytes.count)
            return out
        case .prepend(let s):
            return t.bytes.isEmpty ? t : t.prepending(s)
        case .bert(let clean, let chinese, let strip, let lower):
            var t = t
            if clean {
                t = t.mapChars { c in
                    if c.isInvalid { return nil }
                    let f = c.scalar.hfFlags
                    if f & _HFChar.bertControl != 0 { return [] }
                    return f & _HFChar.bertCleanSpace != 0 && c.scalar != " " ? [" "] : nil     // nil: the character as it is
                }
            }
            if chinese {
                t = t.mapChars { c in !c.isInvalid && c.scalar.hfFlags & _HFChar.bertChinese != 0 ? [" ", c.scalar, " "] : nil }
            }
            if strip {   // NFD, then what BERT counts as an accent (fewer marks than StripAccents)
                t = Self.normalize(t, form: Int32(TOK_NFD)).mapChars { c in
                    !c.isInvalid && !c.scalar.isASCII && c.scalar.hfFlags & _HFChar.bertAccent != 0 ? [] : nil
                }
            }
            if lower { t = _Normalizer.lowercase.apply(t) }
            return t
        case .spm(let n):
            return n.apply(t)
        case .precompiled(let map):
            return Self.precompiled(t, map)
        case .nmt:
            return t.mapChars { c in
                if c.isInvalid { return nil }
                switch c.scalar.value {
                case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x8F, 0x9F: return []
                case 0x09, 0x0A, 0x0C, 0x0D, 0x1680, 0x200B...0x200F, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD: return [" "]
                default: return nil
                }
            }
        }
    }

    /// Hugging Face's Precompiled normalizer, as it does it: per extended grapheme cluster, one
    /// shorter than 6 bytes that starts with a source string of the map is replaced whole by that
    /// string's replacement (the shortest such string, even when the cluster is longer: a mark
    /// after it is dropped); otherwise each character that starts with one is replaced by it.
    /// Ill-formed bytes are kept as they are.
    static func precompiled(_ t: _Text, _ map: _CharsMap) -> _Text {
        var out = _Text(bytes: [], origin: [])
        out.bytes.reserveCapacity(t.bytes.count)
        out.origin.reserveCapacity(t.bytes.count)
        map.strings.withUnsafeBufferPointer { st in
            t.bytes.withUnsafeBufferPointer { b in
                func put(_ r: Range<Int>, _ o: Int) {
                    out.bytes.append(contentsOf: st[r])
                    out.origin.append(contentsOf: repeatElement(o, count: r.count))
                }
                func chars(_ from: Int, _ to: Int) {
                    _Text.forEachChar(b, from, to) { c in
                        if !c.isInvalid, let r = map.shortestMatch(b, c.start, c.end) { put(r, t.origin[c.start]) }
                        else { out.append(contentsOf: t, c.start..<c.end) }
                    }
                }
                // Valid runs go to the grapheme breaker; an ill-formed unit is its own cluster.
                var i = 0
                while i < b.count {
                    var j = i
                    while j < b.count {
                        let c = tok_utf8_at(b.baseAddress, b.count, j)
                        if c.cls & UInt8(TOK_CLS_INVALID) != 0 { break }
                        j += Int(c.len)
                    }
                    if j > i {
                        var ends = [Int](repeating: 0, count: j - i)
                        let n = ends.withUnsafeMutableBufferPointer { tok_icu_grapheme_ends(b.baseAddress! + i, j - i, $0.baseAddress, $0.count) }
                        var s = i
                        for k in 0..<Swift.max(0, Int(n)) {
                            let e = i + ends[k]
                            if e - s < 6, let r = map.shortestMatch(b, s, e) { put(r, t.origin[s]) } else { chars(s, e) }
                            s = e
                        }
                        if n < 0 { chars(i, j) }   // ICU failed: character by character
                        i = j
                    }
                    if i < b.count {
                        let c = tok_utf8_at(b.baseAddress, b.count, i)
                        out.append(contentsOf: t, i..<(i + Int(c.len)))
                        i += Int(c.len)
                    }
                }
            }
        }
        return out
    }

    /// NFC, NFD, NFKC or NFKD as tokenizers computes it: ICU's normalization, except that the
    /// code points tokenizers' older tables do not know (`_hfNormalizationOpaque`) stay as they
    /// are and the text around them is normalized on its own, which is what those tables give
    /// (no decomposition, combining class 0, no composition).
    static func normalize(_ t: _Text, form: Int32) -> _Text {
        guard !t.bytes.isEmpty else { return t }
        // Opaque code points start at U+07FD: only a lead byte 0xDF or above can begin one.
        var cuts: [Range<Int>] = []
        t.bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                if b[i] < 0xDF { i += 1; continue }
                let c = tok_utf8_at(b.baseAddress, b.count, i)
                if c.cls & UInt8(TOK_CLS_INVALID) == 0 && Self.isOpaque(c.cp) { cuts.append(i..<(i + Int(c.len))) }
                i += Int(c.len)
            }
        }
        func icu(_ r: Range<Int>, into out: inout _Text) {
            guard !r.isEmpty else { return }
            let (bytes, origin) = t.bytes.withUnsafeBufferPointer { _icuNormalize(form, UnsafeBufferPointer(rebasing: $0[r])) }
            out.bytes.append(contentsOf: bytes)
            out.origin.append(contentsOf: origin.map { t.origin[r.lowerBound + Int($0)] })
        }
        var out = _Text(bytes: [], origin: [])
        if cuts.isEmpty {
            icu(0..<t.bytes.count, into: &out)
            return out
        }
        var at = 0
        for c in cuts {
            icu(at..<c.lowerBound, into: &out)
            out.append(contentsOf: t, c)
            at = c.upperBound
        }
        icu(at..<t.bytes.count, into: &out)
        return out
    }

    static func isOpaque(_ cp: UInt32) -> Bool {
        var lo = 0, hi = _hfNormalizationOpaque.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if _hfNormalizationOpaque[mid].upperBound < cp { lo = mid + 1 } else { hi = mid }
        }
        return lo < _hfNormalizationOpaque.count && _hfNormalizationOpaque[lo].contains(cp)
    }
}

/// UTF-8 bytes in Unicode normalization form `form` (TOK_NFC, TOK_NFD, TOK_NFKC, TOK_NFKD) through
/// ICU, with each output byte's origin (the input offset of its segment's start). Ill-formed bytes
/// pass through unchanged. Shared by the tokenizer pipelines and the trainer.
package func _icuNormalize(_ form: Int32, _ text: UnsafeBufferPointer<UInt8>) -> (bytes: [UInt8], origin: [UInt32]) {
    let n = text.count
    guard n > 0 else { return ([], []) }
    var cap = n * 3 + 16
    while true {
        var out = [UInt8](repeating: 0, count: cap)
        var org = [UInt32](repeating: 0, count: cap)
        let r = tok_icu_normalize(form, text.baseAddress, n, &out, &org, cap)
        if r == Int64(TOK_E_CAPACITY) { cap *= 2; continue }
        precondition(r >= 0, "ICU normalization failed")
        let k = Int(r)
        out.removeSubrange(k...)
        org.removeSubrange(k...)
        return (out, org)
    }
}

internal import CTokKernels

/// How a split treats the matches of its pattern (Hugging Face's `SplitDelimiterBehavior`).
enum _SplitBehavior: String, Sendable {
    case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"

    /// Applies the behavior to pieces that tile a range, each flagged as a match or not.
    func apply(_ parts: [(Range<Int>, Bool)]) -> [Range<Int>] {
        var acc: [(Range<Int>, Bool)] = []
        switch self {
        case .removed:
            return parts.filter { !$0.1 }.map(\.0)
        case .isolated:
            return parts.map(\.0)
        case .mergedWithPrevious:
            var prev = false
            for (r, m) in parts {
                if m && !prev, let last = acc.last {
                    acc[acc.count - 1] = (last.0.lowerBound..<r.upperBound, last.1)
                } else {
                    acc.append((r, m && !prev ? true : false))
                }
                prev = m
            }
        case .mergedWithNext:
            var prev = false
            for (r, m) in parts.reversed() {
                if m && !prev, let last = acc.last {
                    acc[acc.count - 1] = (r.lowerBound..<last.0.upperBound, last.1)
                } else {
                    acc.append((r, false))
                }
                prev = m
            }
            acc.reverse()
        case .contiguous:
            var prev = false
            for (r, m) in parts {
                if m == prev, let last = acc.last {
                    acc[acc.count - 1] = (last.0.lowerBound..<r.upperBound, false)
                } else {
                    acc.append((r, false))
                }
                prev = m
            }
        }
        return acc.map(\.0)
    }
}

/// A pre-tokenizer step of a Hugging Face pipeline.
indirect enum _PreTokenizer: Sendable {
    case sequence([_PreTokenizer])
    case split(_Pattern, _SplitBehavior, invert: Bool)
    /// Byte-level: optional prefix space and GPT-2 regex; the byte→character mapping itself is
    /// folded into the model's vocabulary.
    case byteLevel(addPrefixSpace: Bool, regex: _Pattern?)
    case metaspace(replacement: [UInt8], prepend: _PrependScheme, split: Bool)
    case whitespace(_Pattern)
    case whitespaceSplit
    case bert
    case punctuation(_SplitBehavior)
    case digits(individual: Bool)
    /// Tok's own, for SentencePiece BPE models none of whose pieces holds `marker` (▁) right
    /// after another character: cuts each piece before every marker that does not follow a
    /// marker. No merge can cross such a cut, so merging word by word gives the ids merging
    /// the whole text gives, without one long merge over the whole input.
    case wordStarts(marker: [UInt8])
    /// Hugging Face's UnicodeScripts: a cut before each character whose script differs from the
    /// last character with a script (its own table, see HFScripts.swift; class 0, "Any", has
    /// none); text before a piece's first character with a script is dropped, as there.
    case unicodeScripts
    /// Hugging Face's FixedLength: pieces of `n` characters (the last one shorter).
    case fixedLength(Int)

    func apply(_ t: inout _Text, _ pieces: inout [Range<Int>]) {
        switch self {
        case .sequence(let steps):
            for s in steps { s.apply(&t, &pieces) }
        case .split(let pattern, let behavior, let invert):
            if behavior == .isolated, !invert, let scanner = pattern.tilingScanner {
                pieces = Self.tile(t, pieces, scanner)   // the scanner's pieces are the split's
            } else {
                pieces = Self.split(t, pieces, behavior, invert: invert) { b, r in pattern.matches(b, r) }
            }
        case .byteLevel(let prefix, let regex):
            if prefix {
                Self.rebuild(&t, &pieces) { _, piece in
                    piece.bytes.first == 0x20 ? piece : piece.prepending([0x20])
                }
            }
            if let regex {
                if let scanner = regex.tilingScanner { pieces = Self.tile(t, pieces, scanner) }
                else { pieces = Self.split(t, pieces, .isolated, invert: false) { b, r in regex.matches(b, r) } }
            }
        case .metaspace(let rep, let scheme, let split):
            Self.rebuild(&t, &pieces) { _, piece in
                var p = piece.mapChars { c in c.scalar == " " && !c.isInvalid ? Array(String(decoding: rep, as: UTF8.self).unicodeScalars) : nil }
                let startsWith = p.bytes.starts(with: rep)
                switch scheme {
                case .always: if !startsWith { p = p.prepending(rep) }
                case .first: if !startsWith && piece.origin.first == 0 { p = p.prepending(rep) }
                case .never: break
                }
                return p
            }
            if split {
                let lit = _Pattern(kind: .literal(rep))
                pieces = Self.split(t, pieces, .mergedWithNext, invert: false) { b, r in lit.matches(b, r) }
            }
        case .whitespace(let words):
            pieces = Self.split(t, pieces, .removed, invert: true) { b, r in words.matches(b, r) }
        case .whitespaceSplit:
            pieces = Self.splitChars(t, pieces, .removed) { $0.scalar.hfFlags & _HFChar.splitSpace != 0 }
        case .bert:
            // whitespace removed, punctuation isolated: one pass, ranges straight out
            pieces = t.bytes.withUnsafeBufferPointer { b in
                var out: [Range<Int>] = []
                out.reserveCapacity(pieces.count + b.count / 4)
                for p in pieces {
                    var word = p.lowerBound    // start of the word being read
                    _Text.forEachChar(b, p.lowerBound, p.upperBound) { c in
                        if c.isInvalid { return }
                        if c.scalar.hfFlags & _HFChar.bertSpace != 0 {
                            if word < c.start { out.append(word..<c.start) }
                            word = c.end
                        } else if c.scalar.isBertPunctuation {
                            if word < c.start { out.append(word..<c.start) }
                            out.append(c.start..<c.end)
                            word = c.end
                        }
                    }
                    if word < p.upperBound { out.append(word..<p.upperBound) }
                }
                return out
            }
        case .punctuation(let behavior):
            pieces = Self.splitChars(t, pieces, behavior) { $0.scalar.hfFlags & _HFChar.punctuation != 0 }
        case .digits(let individual):
            pieces = Self.splitChars(t, pieces, individual ? .isolated : .contiguous) { $0.scalar.hfFlags & _HFChar.numeric != 0 }
        case .fixedLength(let n):
            pieces = t.bytes.withUnsafeBufferPointer { b in
                var out: [Range<Int>] = []
                for p in pieces {
                    var start = p.lowerBound, k = 0
                    _Text.forEachChar(b, p.lowerBound, p.upperBound) { c in
                        if k == n { out.append(start..<c.start); start = c.start; k = 0 }
                        k += 1
                    }
                    if start < p.upperBound { out.append(start..<p.upperBound) }
                }
                return out
            }
        case .unicodeScripts:
            pieces = t.bytes.withUnsafeBufferPointer { b in
                var out: [Range<Int>] = []
                out.reserveCapacity(pieces.count)
                for p in pieces {
                    // As tokenizers does it: the first cut is at the first character with a
                    // script, so what comes before it (spaces, unlisted code points) is dropped,
                    // and a piece without any script is dropped whole.
                    var start: Int? = nil
                    var last: UInt16 = 0       // no script seen yet
                    _Text.forEachChar(b, p.lowerBound, p.upperBound) { c in
                        let k = Self.hfScript(c.scalar.value)
                        guard k != 0 else { return }
                        if k != last {
                            if let s = start { out.append(s..<c.start) }
                            start = c.start
                        }
                        last = k
                    }
                    if let s = start { out.append(s..<p.upperBound) }
                }
                return out
            }
        case .wordStarts(let marker):
            pieces = t.bytes.withUnsafeBufferPointer { b in
                var out: [Range<Int>] = []
                out.reserveCapacity(pieces.count + b.count / 4)
                for p in pieces {
                    var start = p.lowerBound
                    var i = p.lowerBound + 1
                    while i + marker.count <= p.upperBound {
                        if Self.marker(b, at: i, marker), !(i - start >= marker.count && Self.marker(b, at: i - marker.count, marker)) {
                            out.append(start..<i)
                            start = i
                            i += marker.count
                        } else {
                            i += 1
                        }
                    }
                    out.append(start..<p.upperBound)
                }
                return out
            }
        }
    }

    /// The steps in one line (see ``Tokenizer/preTokenizerSummary``).
    var summary: String {
        switch self {
        case .sequence(let steps): return steps.map(\.summary).joined(separator: " → ")
        case .split(let p, let b, let invert): return "Split(\(p.summary), \(b.rawValue)\(invert ? ", inverted" : ""))"
        case .byteLevel(let prefix, let regex):
            return "ByteLevel(\(prefix ? "prefix space" : "no prefix space")\(regex.map { ", " + $0.summary } ?? ""))"
        case .metaspace(_, let scheme, let split): return "Metaspace(prepend \(scheme.rawValue)\(split ? ", split" : ""))"
        case .whitespace: return "Whitespace"
        case .whitespaceSplit: return "WhitespaceSplit"
        case .bert: return "BertPreTokenizer"
        case .punctuation(let b): return "Punctuation(\(b.rawValue))"
        case .digits(let individual): return "Digits(\(individual ? "individual" : "runs"))"
        case .wordStarts: return "word starts (Tok's cut before each ▁)"
        case .unicodeScripts: return "UnicodeScripts"
        case .fixedLength(let n): return "FixedLength(\(n))"
        }
    }

    /// The steps with DeepSeek's three Isolated Splits (numbers, CJK runs, words), wherever
    /// they follow one another, replaced by the one scanner that composes them.
    static func fused(_ steps: [_PreTokenizer]) -> [_PreTokenizer] {
        func isolated(_ step: _PreTokenizer, _ p: SplitPattern) -> Bool {
            if case .split(let pat, .isolated, false) = step, case .scanner(p) = pat.kind { return true }
            return false
        }
        var out: [_PreTokenizer] = []
        var k = 0
        while k < steps.count {
            if k + 3 <= steps.count, isolated(steps[k], .numberGroups), isolated(steps[k + 1], .cjkRuns),
               isolated(steps[k + 2], .deepseekWords) {
                out.append(.split(_Pattern(kind: .scanner(.deepseek)), .isolated, invert: false))
                k += 3
            } else {
                out.append(steps[k])
                k += 1
            }
        }
        return out
    }

    /// The UnicodeScripts class of a code point (0: Any).
    static func hfScript(_ cp: UInt32) -> UInt16 { _runValue(_hfScriptRangeStarts, _hfScriptRangeClasses, cp) }

    @inline(__always)
    static func marker(_ b: UnsafeBufferPointer<UInt8>, at i: Int, _ m: [UInt8]) -> Bool {
        for k in 0..<m.count where b[i + k] != m[k] { return false }
        return true
    }

    /// Whether no piece has `marker` right after a character other than the marker (the
    /// condition for ``wordStarts(marker:)``).
    static func wordStartsHold<S: Sequence<[UInt8]>>(_ pieces: S, marker m: [UInt8]) -> Bool {
        for p in pieces where p.count > m.count {
            var i = 1
            while i + m.count <= p.count {
                if p[i..<(i + m.count)].elementsEqual(m), !(i >= m.count && p[(i - m.count)..<i].elementsEqual(m)) { return false }
                i += 1
            }
        }
        return true
    }

    /// Each piece cut into the pieces of a scanner that tiles text (an Isolated split on it).
    static func tile(_ t: _Text, _ pieces: [Range<Int>], _ scanner: SplitPattern) -> [Range<Int>] {
        t.bytes.withUnsafeBufferPointer { b in
            var out: [Range<Int>] = []
            out.reserveCapacity(pieces.count + b.count / 4)
            for p in pieces { scanner.appendPieces(of: b, p, to: &out) }
            return out
        }
    }

    /// Splits each piece at the matches `find` returns for it.
    static func split(_ t: _Text, _ pieces: [Range<Int>], _ behavior: _SplitBehavior, invert: Bool,
                      _ find: (UnsafeBufferPointer<UInt8>, Range<Int>) -> [Range<Int>]) -> [Range<Int>] {
        t.bytes.withUnsafeBufferPointer { b in
            var out: [Range<Int>] = []
            out.reserveCapacity(pieces.count * 2)
            for p in pieces {
                var parts: [(Range<Int>, Bool)] = []
                var prev = p.lowerBound
                for m in find(b, p) {
                    if m.lowerBound > prev { parts.append((prev..<m.lowerBound, invert)) }
                    parts.append((m, !invert))
                    prev = m.upperBound
                }
                if prev < p.upperBound { parts.append((prev..<p.upperBound, invert)) }
                out.append(contentsOf: behavior.apply(parts).filter { !$0.isEmpty })
            }
            return out
        }
    }

    /// Splits at each character where `isMatch` holds (every such character is one match).
    static func splitChars(_ t: _Text, _ pieces: [Range<Int>], _ behavior: _SplitBehavior,
                           _ isMatch: @escaping (_Text.Char) -> Bool) -> [Range<Int>] {
        split(t, pieces, behavior, invert: false) { b, r in
            var ms: [Range<Int>] = []
            _Text.forEachChar(b, r.lowerBound, r.upperBound) { c in
                if !c.isInvalid && isMatch(c) { ms.append(c.start..<c.end) }
            }
            return ms
        }
    }

    /// Rebuilds the text from transformed pieces (a step that changes text, not just splits it).
    static func rebuild(_ t: inout _Text, _ pieces: inout [Range<Int>], _ f: (Int, _Text) -> _Text) {
        var out = _Text(bytes: [], origin: [])
        var ranges: [Range<Int>] = []
        for (k, p) in pieces.enumerated() {
            let piece = _Text(bytes: Array(t.bytes[p]), origin: Array(t.origin[p]))
            let q = f(k, piece)
            let s = out.bytes.count
            out.bytes.append(contentsOf: q.bytes)
            out.origin.append(contentsOf: q.origin)
            if out.bytes.count > s { ranges.append(s..<out.bytes.count) }
        }
        t = out
        pieces = ranges
    }
}

/// When Metaspace puts its replacement character in front of a piece.
enum _PrependScheme: String, Sendable { case always, first, never }

/// GPT-2's byte-to-character table (`bytes_to_unicode`): printable Latin-1 bytes stand for
/// themselves, the others for U+0100 upward in byte order.
package enum _ByteLevelMap {
    package static let charOfByte: [Unicode.Scalar] = {
        var out = [Unicode.Scalar](repeating: " ", count: 256)
        var n: UInt32 = 0
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable { out[b] = Unicode.Scalar(UInt32(b))! } else { out[b] = Unicode.Scalar(256 + n)!; n += 1 }
        }
        return out
    }()

    /// Indexed by code point (all below U+0144): the byte, or -1.
    static let byteOfChar: [Int16] = {
        var m = [Int16](repeating: -1, count: 0x144)
        for (b, c) in charOfByte.enumerated() { m[Int(c.value)] = Int16(b) }
        return m
    }()

    /// The raw bytes a byte-level token string stands for, or nil when a character of it is not
    /// in the table.
    package static func decode(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            guard c.value < 0x144, case let b = byteOfChar[Int(c.value)], b >= 0 else { return nil }
            out.append(UInt8(b))
        }
        return out
    }

    /// The raw bytes a byte-level string spells, from its UTF-8 (nil when a character is not one
    /// of the 256 byte characters, or the UTF-8 is ill-formed). Same as ``decode(_:)``, without a
    /// String: the byte characters are all below U+0144, one or two UTF-8 bytes each.
    package static func decode(utf8 s: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            let c = s[i]
            var v: Int
            if c < 0x80 {
                v = Int(c)
                i += 1
            } else if c >= 0xC2 && c <= 0xDF && i + 1 < s.count && s[i + 1] & 0xC0 == 0x80 {
                v = Int(c & 0x1F) << 6 | Int(s[i + 1] & 0x3F)
                i += 2
            } else {
                return nil
            }
            guard v < 0x144, case let b = byteOfChar[v], b >= 0 else { return nil }
            out.append(UInt8(b))
        }
        return out
    }

    /// The byte-level string of raw bytes, as UTF-8.
    package static func encode<S: Sequence<UInt8>>(_ bytes: S) -> [UInt8] {
        var out: [UInt8] = []
        for b in bytes { out.append(contentsOf: UTF8.bytes(of: charOfByte[Int(b)])) }
        return out
    }
}

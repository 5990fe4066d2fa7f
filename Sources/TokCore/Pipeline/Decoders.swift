/// A decoder step of a Hugging Face pipeline: token strings in, strings out, as the reference
/// `decode_chain`, on bytes so that byte tokens can keep ill-formed UTF-8 when asked.
indirect enum _Decoder: Sendable {
    case sequence([_Decoder])
    case byteLevel
    case metaspace(replacement: [UInt8], prependSpace: Bool)
    case wordPiece(prefix: [UInt8], cleanup: Bool)
    case byteFallback
    case fuse
    case strip(content: [UInt8], start: Int, stop: Int)
    case replace(_Pattern, [UInt8])
    case bpeSuffix([UInt8])

    /// - Parameter reference: true to turn byte tokens that are not valid UTF-8 into U+FFFD as
    ///   the reference does; false to keep the bytes (Tok's byte-exact round trip).
    func apply(_ tokens: [[UInt8]], reference: Bool) -> [[UInt8]] {
        switch self {
        case .sequence(let steps):
            var t = tokens
            for s in steps { t = s.apply(t, reference: reference) }
            return t
        case .byteLevel:
            var out: [UInt8] = []
            for t in tokens {
                if let raw = _ByteLevelMap.decode(String(decoding: t, as: UTF8.self)) { out += raw } else { out += t }
            }
            return [out]
        case .metaspace(let rep, let prependSpace):
            return tokens.enumerated().map { i, t in
                var s = Self.replaceAll(t, rep, [0x20])
                if i == 0 && prependSpace && s.first == 0x20 { s.removeFirst() }
                return s
            }
        case .wordPiece(let prefix, let cleanup):
            return tokens.enumerated().map { i, t in
                var s = t
                if i != 0 {
                    if s.starts(with: prefix) { s.removeFirst(prefix.count) } else { s.insert(0x20, at: 0) }
                }
                return cleanup ? Self.wordPieceCleanup(s) : s
            }
        case .byteFallback:
            var out: [[UInt8]] = []
            var pending: [UInt8] = []
            var count = 0
            func flush() {
                guard count > 0 else { return }
                if !reference || String(validating: pending, as: UTF8.self) != nil {
                    out.append(pending)
                } else {
                    out.append(Array(String(repeating: "\u{FFFD}", count: count).utf8))
                }
                pending = []
                count = 0
            }
            for t in tokens {
                if let b = Self.byteToken(t) { pending.append(b); count += 1 } else { flush(); out.append(t) }
            }
            flush()
            return out
        case .fuse:
            return [tokens.flatMap { $0 }]
        case .strip(let content, let start, let stop):
            return tokens.map { t in
                var s = t[...]
                var k = 0
                while k < start, s.starts(with: content) { s = s.dropFirst(content.count); k += 1 }
                k = 0
                while k < stop, s.count >= content.count, Array(s.suffix(content.count)) == content {
                    s = s.dropLast(content.count); k += 1
                }
                return Array(s)
            }
        case .replace(let pattern, let content):
            return tokens.map { t in
                let ms = t.withUnsafeBufferPointer { pattern.matches($0, 0..<t.count) }
                var out: [UInt8] = []
                var i = 0
                for m in ms { out += t[i..<m.lowerBound]; out += content; i = m.upperBound }
                out += t[i...]
                return out
            }
        case .bpeSuffix(let suffix):
            return tokens.enumerated().map { i, t in
                Self.replaceAll(t, suffix, i == tokens.count - 1 ? [] : [0x20])
            }
        }
    }

    /// `<0xNN>` → the byte.
    static func byteToken(_ t: [UInt8]) -> UInt8? {
        guard t.count == 6, t[0] == 0x3C, t[1] == 0x30, t[2] == 0x78, t[5] == 0x3E else { return nil }
        return UInt8(String(decoding: t[3..<5], as: UTF8.self), radix: 16)
    }

    static func replaceAll(_ s: [UInt8], _ what: [UInt8], _ with: [UInt8]) -> [UInt8] {
        guard !what.isEmpty, s.count >= what.count else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if i + what.count <= s.count, s[i] == what[0], Array(s[i..<(i + what.count)]) == what {
                out += with
                i += what.count
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    /// The WordPiece decoder's clean-up of spaces before punctuation and contractions.
    static func wordPieceCleanup(_ s: [UInt8]) -> [UInt8] {
        var r = s
        for (a, b) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                       (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            r = replaceAll(r, Array(a.utf8), Array(b.utf8))
        }
        return r
    }
}

extension _Pipeline {
    /// Decodes ids as the reference decoder does (special tokens included).
    func decodeIDs(_ ids: [Int], reference: Bool) throws(TokError) -> [UInt8]? {
        var toks: [[UInt8]] = []
        toks.reserveCapacity(ids.count)
        for (i, id) in ids.enumerated() {
            guard id >= 0, id < tokens.count, let t = tokens[id] else {
                throw TokError(.unknownID, "no token has id \(id)", at: "index \(i)")
            }
            toks.append(t)
        }
        guard let decoder else {
            // No decoder: tokens joined by spaces, as the reference does.
            var out: [UInt8] = []
            for (i, t) in toks.enumerated() { if i > 0 { out.append(0x20) }; out += t }
            return out
        }
        return decoder.apply(toks, reference: reference).flatMap { $0 }
    }
}

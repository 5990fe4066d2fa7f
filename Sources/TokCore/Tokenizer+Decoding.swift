internal import CTokKernels

/// What decoding to `String` does with bytes that are not valid UTF-8.
public enum InvalidUTF8Policy: Sendable, Equatable {
    /// Replace each maximal ill-formed subsequence with U+FFFD (as tiktoken's `errors="replace"`).
    case replace
    /// Throw ``TokError/Code/invalidUTF8`` with the byte offset.
    case strict
}

extension Tokenizer {
    /// The bytes of the ids, concatenated: `decodeBytes(encodeOrdinary(bytes: b)) == b` for any b.
    /// - Throws: ``TokError/Code/unknownID`` naming the first id that has no token.
    public func decodeBytes(_ ids: [Int]) throws(TokError) -> [UInt8] {
        if ids.isEmpty { return [] }
        if let units {
            if let whole = try units.decodeIDs(ids, reference: false) { return whole }
            var out: [UInt8] = []
            out.reserveCapacity(ids.count * 2)
            for (i, id) in ids.enumerated() {
                guard let b = units.tokenBytes(id) else { throw unknownID(id, index: i) }
                out.append(contentsOf: b)
            }
            return out
        }
        // One pass into a guess of the size (most tokens are short); exact size only on overflow.
        var err = tok_error_info()
        var cap = ids.count * 6 + 64
        while true {
            var rc: Int64 = 0
            let bytes = ids.withUnsafeBufferPointer { idp in
                [UInt8](unsafeUninitializedCapacity: cap) { b, count in
                    idp.withMemoryRebound(to: Int64.self) { p in
                        rc = tok_decode(kernel.vocab, p.baseAddress, p.count, b.baseAddress, cap, &err)
                    }
                    count = rc >= 0 ? Int(rc) : 0
                }
            }
            if rc >= 0 { return bytes }
            if rc == Int64(TOK_E_UNKNOWN_ID) {
                let i = Int(err.detail)
                throw unknownID(ids[i], index: i)
            }
            let exact = ids.withUnsafeBufferPointer { idp in
                idp.withMemoryRebound(to: Int64.self) { tok_decode_len(kernel.vocab, $0.baseAddress, $0.count, &err) }
            }
            if exact < 0 {
                let i = Int(err.detail)
                throw unknownID(ids[i], index: i)
            }
            cap = Int(exact) + 16
        }
    }

    /// Decodes ids to text.
    /// - Parameter invalidUTF8: what to do with bytes that are not valid UTF-8 (a token sequence
    ///   that stops inside a character, or ids chosen by a model).
    /// - Throws: ``TokError/Code/unknownID``; ``TokError/Code/invalidUTF8`` under `.strict`.
    public func decode(_ ids: [Int], invalidUTF8: InvalidUTF8Policy = .replace) throws(TokError) -> String {
        if let units, let whole = try units.decodeIDs(ids, reference: true) {
            return try makeString(whole, policy: invalidUTF8)
        }
        return try makeString(decodeBytes(ids), policy: invalidUTF8)
    }

    func unknownID(_ id: Int, index: Int) -> TokError {
        TokError(.unknownID, "no token has id \(id)", at: "id \(id) at position \(index)")
    }
}

/// Text from bytes under a policy; `.strict` names the offset of the first ill-formed byte.
func makeString(_ bytes: [UInt8], policy: InvalidUTF8Policy, baseOffset: Int = 0) throws(TokError) -> String {
    switch policy {
    case .replace:
        return String(decoding: bytes, as: UTF8.self)
    case .strict:
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        let bad = bytes.withUnsafeBufferPointer { firstInvalidOffset($0) }
        throw TokError(.invalidUTF8, "decoded bytes are not valid UTF-8", at: "byte \(baseOffset + bad)")
    }
}

/// Length of the well-formed UTF-8 character at buf[i], or 0 when an ill-formed sequence starts
/// there (the kernels' decoder; shared with the CLI).
package func _utf8CharacterLength(_ buf: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
    let c = tok_utf8_at(buf.baseAddress, buf.count, i)
    return c.cls & UInt8(TOK_CLS_INVALID) != 0 ? 0 : Int(c.len)
}

func firstInvalidOffset(_ buf: UnsafeBufferPointer<UInt8>) -> Int {
    var i = 0
    while i < buf.count {
        let c = tok_utf8_at(buf.baseAddress, buf.count, i)
        if c.cls & UInt8(TOK_CLS_INVALID) != 0 { return i }
        i += Int(c.len)
    }
    return buf.count
}

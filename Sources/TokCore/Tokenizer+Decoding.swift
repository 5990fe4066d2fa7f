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
        let n = ids.count
        if n == 0 { return [] }
        let u = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: n)
        defer { u.deallocate() }
        for i in 0..<n {
            let id = ids[i]
            guard id >= 0, id <= Int(UInt32.max) else { throw unknownID(id, index: i) }
            u[i] = UInt32(truncatingIfNeeded: id)
        }
        return try decodeBytes(u32: UnsafeBufferPointer(u), original: ids)
    }

    func decodeBytes(u32 ids: UnsafeBufferPointer<UInt32>, original: [Int]? = nil) throws(TokError) -> [UInt8] {
        var err = tok_error_info()
        let total = tok_decode_len(kernel.vocab, ids.baseAddress, ids.count, &err)
        guard total >= 0 else {
            let i = Int(err.detail)
            throw unknownID(original?[i] ?? Int(ids[i]), index: i)
        }
        let cap = Int(total) + 16
        var bytes = [UInt8](unsafeUninitializedCapacity: cap) { b, count in
            let w = tok_decode(kernel.vocab, ids.baseAddress, ids.count, b.baseAddress, cap, nil)
            count = Int(w)
        }
        bytes.removeLast(Swift.max(0, bytes.count - Int(total)))
        return bytes
    }

    /// Decodes ids to text.
    /// - Parameter invalidUTF8: what to do with bytes that are not valid UTF-8 (a token sequence
    ///   that stops inside a character, or ids chosen by a model).
    /// - Throws: ``TokError/Code/unknownID``; ``TokError/Code/invalidUTF8`` under `.strict`.
    public func decode(_ ids: [Int], invalidUTF8: InvalidUTF8Policy = .replace) throws(TokError) -> String {
        try makeString(decodeBytes(ids), policy: invalidUTF8)
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

func firstInvalidOffset(_ buf: UnsafeBufferPointer<UInt8>) -> Int {
    var i = 0
    while i < buf.count {
        let c = tok_utf8_at(buf.baseAddress, buf.count, i)
        if c.cls & UInt8(TOK_CLS_INVALID) != 0 { return i }
        i += Int(c.len)
    }
    return buf.count
}

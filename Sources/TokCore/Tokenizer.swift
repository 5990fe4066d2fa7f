internal import CTokKernels

/// A tokenizer: byte-level BPE (tiktoken's encodings and any `.tiktoken` vocabulary) or a
/// character-level model (``bytes(offset:specialTokens:)``, ``scalars(specialTokens:)``,
/// ``graphemes(vocabulary:specialTokens:)``), behind one interface.
///
/// A `Tokenizer` is an immutable value: share it between threads and call it from all of them.
///
/// ```swift
/// let tok = try Tokenizer(named: "cl100k_base")
/// let ids = tok.encodeOrdinary("Hello, world!")       // [9906, 11, 1917, 0]
/// let text = try tok.decode(ids)                        // "Hello, world!"
/// ```
public struct Tokenizer: Sendable {
    let kernel: _Kernel!
    let units: (any _SwiftModel)?
    let specials: _SpecialMatcher

    /// The encoding's name (`cl100k_base`, `bytes`) or the file it was loaded from.
    public let name: String
    /// The pre-tokenization pattern; nil for a character-level tokenizer.
    public let pattern: SplitPattern?
    /// The special tokens and their ids (`<|endoftext|>` → 100257 in cl100k_base).
    public let specialTokens: [String: Int]

    init(kernel: _Kernel, name: String, pattern: SplitPattern, specialTokens: [String: Int]) {
        self.kernel = kernel
        self.units = nil
        self.name = name
        self.pattern = pattern
        self.specialTokens = specialTokens
        self.specials = _SpecialMatcher(specialTokens)
    }

    init(units: any _SwiftModel, name: String, specialTokens: [String: Int]) {
        self.kernel = nil
        self.units = units
        self.name = name
        self.pattern = nil
        self.specialTokens = specialTokens
        self.specials = _SpecialMatcher(specialTokens)
    }

    /// Number of mergeable (ordinary) tokens; their ids are `0..<mergeableCount`. For a
    /// character-level tokenizer: one more than the largest ordinary id.
    public var mergeableCount: Int { units?.ordinaryLimit ?? kernel.rankCount }

    /// One more than the largest id, special tokens included (tiktoken's `n_vocab`).
    public var vocabularySize: Int { units?.idLimit ?? kernel.idLimit }

    /// Length in bytes of the longest ordinary token.
    public var maxTokenLength: Int { units?.maxTokenLength ?? kernel.maxTokenLength }

    /// The bytes of token `id`, or nil (no allocation for BPE tokenizers).
    func withTokenBytes<R>(_ id: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        if let units {
            guard let b = units.tokenBytes(id) else { return nil }
            return b.withUnsafeBufferPointer(body)
        }
        guard let b = kernel.tokenBytes(id) else { return nil }
        return body(b)
    }

    /// The bytes of token `id`, ordinary or special.
    /// - Throws: ``TokError/Code/unknownID`` when no token has this id.
    public func tokenBytes(_ id: Int) throws(TokError) -> [UInt8] {
        guard let b = withTokenBytes(id, { Array($0) }) else {
            throw TokError(.unknownID, "no token has id \(id)", at: "id \(id)")
        }
        return b
    }

    /// The length in bytes of token `id`, or nil when no token has this id (no allocation).
    public func tokenByteCount(_ id: Int) -> Int? { withTokenBytes(id) { $0.count } }

    /// The id of the ordinary token whose bytes are exactly `bytes`, or nil.
    public func id<Bytes: Sequence<UInt8>>(forBytes bytes: Bytes) -> Int? {
        let array = Array(bytes)
        if let units { return units.id(for: array) }
        return array.withUnsafeBytes { kernel.lookup($0) }
    }

    /// The id of special token `text` (`<|endoftext|>`), or nil when it is not one.
    public func specialTokenID(_ text: String) -> Int? { specialTokens[text] }
}

extension Tokenizer {
    /// The id of the ordinary token whose bytes are exactly `bytes`, without copying them; for
    /// the Tok modules' inner loops (probes, trie walks).
    package func _ordinaryID(_ bytes: UnsafeRawBufferPointer) -> Int? {
        if let units { return units.id(for: Array(bytes)) }
        return kernel.lookup(bytes)
    }

    /// Ordinary ids beside ``_ordinaryID(_:)``'s that spell the same bytes (a byte-fallback
    /// token and a piece of that byte); empty for tiktoken vocabularies, whose bytes are unique.
    package func _otherOrdinaryIDs(_ bytes: UnsafeRawBufferPointer) -> [Int] {
        units?.otherIDs(for: Array(bytes)) ?? []
    }
}

/// Checks encodings against expected ids with one scratch area held for many calls (the inner
/// loop of canonical checks over many candidate tokens); one per thread.
package struct _EncodeChecker {
    let tokenizer: Tokenizer
    let scratch: OpaquePointer?

    /// Whether the ordinary encoding of `bytes` is exactly `prefix` followed by `last`.
    package func encodes(_ bytes: UnsafeBufferPointer<UInt8>, asPrefix prefix: [Int], then last: Int) -> Bool {
        guard tokenizer.units == nil, let pattern = tokenizer.pattern else {
            return tokenizer.encodeOrdinary(bytes: bytes) == prefix + [last]
        }
        let n = bytes.count
        guard n > 0, n < (1 << 32) else { return false }
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: n) { ids in
            var pos = 0, count = 0
            while pos < n {
                let r = tok_encode_ordinary(tokenizer.kernel.vocab, pattern.kernelID, bytes.baseAddress, n, &pos,
                                            ids.baseAddress! + count, nil, n - count, nil, scratch)
                if r < 0 { return false }
                count += r
                if count > prefix.count + 1 { return false }
            }
            guard count == prefix.count + 1, Int(ids[count - 1]) == last else { return false }
            for k in 0..<prefix.count where Int(ids[k]) != prefix[k] { return false }
            return true
        }
    }
}

extension Tokenizer {
    /// Runs body with an encode checker that holds one scratch area throughout.
    package func _withEncodeChecker<R>(_ body: (_EncodeChecker) -> R) -> R {
        if units != nil { return body(_EncodeChecker(tokenizer: self, scratch: nil)) }
        let r: Result<R, TokError> = Result { () throws(TokError) -> R in
            try kernel.withScratch { sc throws(TokError) -> R in body(_EncodeChecker(tokenizer: self, scratch: sc)) }
        }
        return try! r.get()
    }
}

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
    let units: _Units?
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

    init(units: _Units, name: String, specialTokens: [String: Int]) {
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
}

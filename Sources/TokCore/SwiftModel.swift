/// A tokenizer model implemented in Swift rather than by the C rank table: the character-level
/// models and the loaded pipelines (Hugging Face `tokenizer.json`, SentencePiece `.model`).
protocol _SwiftModel: Sendable {
    /// One more than the largest ordinary id.
    var ordinaryLimit: Int { get }
    /// One more than the largest id, special tokens included.
    var idLimit: Int { get }
    /// Length in bytes of the longest token.
    var maxTokenLength: Int { get }
    /// The bytes token `id` contributes to decoded output, or nil when no token has this id.
    func tokenBytes(_ id: Int) -> [UInt8]?
    /// The id of the ordinary token with exactly these bytes, or nil.
    func id(for bytes: [UInt8]) -> Int?
    /// Other ordinary ids with exactly these bytes (beside ``id(for:)``'s), or none.
    func otherIDs(for bytes: [UInt8]) -> [Int]
    /// Appends the encoding of buf[from..<to] (no special tokens in it) to ids (and each
    /// token's starting byte offset to starts when `offsets`).
    func encode(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, ids: inout [Int], starts: inout [Int],
                offsets: Bool)
    /// The units the model encodes independently (pre-token pieces), as byte ranges.
    func units(_ buf: UnsafeBufferPointer<UInt8>) -> [Range<Int>]
    /// A model that finds its own added tokens (with their strip and word rules) encodes the
    /// whole input here; nil means "split at the allowed special tokens, then call encode".
    func encodeWhole(_ buf: UnsafeBufferPointer<UInt8>, specials: _SpecialMatcher, allowed: [Bool]?, offsets: Bool)
        throws(TokError) -> Tokenizer._Raw?
    /// Decodes ids as the model's own decoder does (nil: concatenate ``tokenBytes(_:)``).
    /// - Parameter reference: true for the reference decoder's text, false for exact bytes.
    func decodeIDs(_ ids: [Int], reference: Bool) throws(TokError) -> [UInt8]?
}

extension _SwiftModel {
    func encodeWhole(_ buf: UnsafeBufferPointer<UInt8>, specials: _SpecialMatcher, allowed: [Bool]?, offsets: Bool)
        throws(TokError) -> Tokenizer._Raw? { nil }
    func decodeIDs(_ ids: [Int], reference: Bool) throws(TokError) -> [UInt8]? { nil }
    func otherIDs(for bytes: [UInt8]) -> [Int] { [] }
}

internal import CTokKernels

/// Decodes ids one at a time into text that is always complete UTF-8.
///
/// Tokens often end inside a multi-byte character (an emoji is several byte-level tokens). The
/// decoder holds such bytes back until the character is complete, so no text is garbled or
/// lost; ``finish()`` reports whatever is left at the end.
///
/// ```swift
/// var stream = tokenizer.makeStreamingDecoder()
/// for id in ids { print(try stream.push(id), terminator: "") }
/// let rest = stream.finish()     // rest.bytes is empty when the ids ended on a full character
/// ```
public struct StreamingDecoder: Sendable {
    /// What remains when the stream ends.
    public struct Remainder: Sendable, Equatable {
        /// Bytes of an incomplete character at the end of the stream (at most 3).
        public let bytes: [UInt8]
        /// Those bytes as text under the decoder's policy: U+FFFD for `.replace`, empty for `.strict`.
        public let text: String
        /// True when the stream ended on a complete character.
        public var isEmpty: Bool { bytes.isEmpty }
    }

    private let tokenizer: Tokenizer
    private let policy: InvalidUTF8Policy
    private var pending: [UInt8] = []
    private var emitted = 0

    /// A decoder for this tokenizer's ids.
    public init(tokenizer: Tokenizer, invalidUTF8: InvalidUTF8Policy = .replace) {
        self.tokenizer = tokenizer
        self.policy = invalidUTF8
    }

    /// Adds one id; returns the text that became complete (possibly empty).
    /// - Throws: ``TokError/Code/unknownID``; ``TokError/Code/invalidUTF8`` under `.strict` when
    ///   the bytes can no longer form valid UTF-8.
    public mutating func push(_ id: Int) throws(TokError) -> String {
        guard tokenizer.withTokenBytes(id, { pending.append(contentsOf: $0) }) != nil else {
            throw TokError(.unknownID, "no token has id \(id)", at: "id \(id)")
        }
        return try drain()
    }

    /// Adds several ids; returns the text that became complete.
    public mutating func push(contentsOf ids: [Int]) throws(TokError) -> String {
        for id in ids {
            guard tokenizer.withTokenBytes(id, { pending.append(contentsOf: $0) }) != nil else {
                throw TokError(.unknownID, "no token has id \(id)", at: "id \(id)")
            }
        }
        return try drain()
    }

    /// Ends the stream: returns the held-back bytes of an incomplete last character, if any,
    /// and resets the decoder.
    public mutating func finish() -> Remainder {
        let rest = pending
        pending.removeAll()
        emitted = 0
        return Remainder(bytes: rest, text: rest.isEmpty || policy == .strict ? "" : String(decoding: rest, as: UTF8.self))
    }

    private mutating func drain() throws(TokError) -> String {
        let tail = pending.withUnsafeBufferPointer { tok_utf8_incomplete_tail($0.baseAddress, $0.count) }
        let ready = pending.count - tail
        if ready == 0 { return "" }
        let chunk = Array(pending[..<ready])
        pending.removeFirst(ready)
        let text = try makeString(chunk, policy: policy, baseOffset: emitted)
        emitted += ready
        return text
    }
}

extension Tokenizer {
    /// A streaming decoder for this tokenizer.
    public func makeStreamingDecoder(invalidUTF8: InvalidUTF8Policy = .replace) -> StreamingDecoder {
        StreamingDecoder(tokenizer: self, invalidUTF8: invalidUTF8)
    }
}

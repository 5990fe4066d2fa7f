/// How a tokenizer file asks for its encodings to be padded (Hugging Face `padding`).
public struct Padding: Sendable, Equatable {
    /// The fixed length, or nil to pad to the longest encoding of a batch.
    public let length: Int?
    /// Round the padded length up to a multiple of this, when set.
    public let multipleOf: Int?
    /// The id appended (or prepended) as padding.
    public let padID: Int
    /// Pad on the left instead of the right.
    public let left: Bool

    /// Pads each encoding of a batch as the file says; encodings already longer stay as they are.
    public func apply(_ batch: [[Int]]) -> [[Int]] {
        var target = length ?? (batch.map(\.count).max() ?? 0)
        if let m = multipleOf, m > 0, target % m != 0 { target += m - target % m }
        return batch.map { ids in
            guard ids.count < target else { return ids }
            let pad = [Int](repeating: padID, count: target - ids.count)
            return left ? pad + ids : ids + pad
        }
    }
}

/// How a tokenizer file asks for long encodings to be cut (Hugging Face `truncation`).
public struct Truncation: Sendable, Equatable {
    /// The longest encoding kept.
    public let maxLength: Int
    /// Cut from the left instead of the right.
    public let left: Bool

    /// The encoding cut to at most ``maxLength`` ids, less `reserving` (room for the special
    /// tokens a post-processor adds afterwards, as tokenizers leaves it).
    public func apply(_ ids: [Int], reserving: Int = 0) -> [Int] {
        let limit = Swift.max(0, maxLength - reserving)
        guard ids.count > limit else { return ids }
        return left ? Array(ids.suffix(limit)) : Array(ids.prefix(limit))
    }
}

extension Tokenizer {
    /// The padding a loaded `tokenizer.json` asks for, or nil (Tok never pads on its own:
    /// apply it with ``Padding/apply(_:)``).
    public var padding: Padding? { (units as? _Pipeline)?.padding }

    /// The truncation a loaded `tokenizer.json` asks for, or nil (Tok never truncates on its
    /// own: apply it with ``Truncation/apply(_:)``).
    public var truncation: Truncation? { (units as? _Pipeline)?.truncation }
}

/// An error from Tok: what went wrong, and where (a file and line, an id, a byte offset).
///
/// Errors are values: compare ``code`` to decide what to do, show ``description`` to a person.
/// New codes may be added in later versions, so switch over them with a default.
public struct TokError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of error. Extensible: new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A short, stable name such as `malformedVocabulary`.
        public let name: String
        init(_ name: String) { self.name = name }
        /// The name.
        public var description: String { name }

        /// A vocabulary file is malformed (bad base64, duplicate or missing ranks, bad zstd).
        public static let malformedVocabulary = Code("malformedVocabulary")
        /// A built-in vocabulary's SHA-256 differs from the published one.
        public static let hashMismatch = Code("hashMismatch")
        /// No built-in vocabulary or pattern has this name.
        public static let unknownName = Code("unknownName")
        /// An id has no token in this vocabulary.
        public static let unknownID = Code("unknownID")
        /// The text contains a special token that the call did not allow.
        public static let disallowedSpecialToken = Code("disallowedSpecialToken")
        /// Decoded bytes are not valid UTF-8 and the policy was `.strict`.
        public static let invalidUTF8 = Code("invalidUTF8")
        /// A file could not be read or written.
        public static let io = Code("io")
        /// An argument is out of range (a special token id that collides, an input over 4 GiB).
        public static let invalidArgument = Code("invalidArgument")
        /// A tokenizer file uses a component, option or model type that Tok does not implement
        /// (named with its JSON path or protobuf field), or a regex ICU cannot run.
        public static let unsupported = Code("unsupported")
    }

    /// The kind of error.
    public let code: Code
    /// What happened, in words.
    public let message: String
    /// Where: `file:line`, a file, `id 123`, `byte 45`; nil when there is nothing to point at.
    public let location: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, at location: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
    }

    /// `message (location)`.
    public var description: String {
        if let location { return "\(message) (\(location))" }
        return message
    }
}

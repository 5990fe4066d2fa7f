/// SentencePiece's normalizer: the precompiled character map (longest-match rewriting), then
/// whitespace handling: extra spaces removed, a dummy `▁` prefix, spaces escaped as `▁`.
struct _SPMNormalizer: Sendable {
    let charsmap: _CharsMap?
    let addDummyPrefix: Bool
    let removeExtraWhitespaces: Bool
    let escapeWhitespaces: Bool
    let treatWhitespaceAsSuffix: Bool

    func apply(_ t: _Text) -> _Text { t }
}

/// A precompiled character map (a double-array trie of source strings and their replacements).
struct _CharsMap: Sendable {}

import Foundation

/// Recognizes and reads Mistral's Tekken `.json` (tiktoken-style ranks in JSON).
enum _TekkenLoader {
    static func looksLikeTekken(_ data: Data) -> Bool {
        let head = data.prefix(4096)
        return String(decoding: head, as: UTF8.self).contains("\"num_vocab_tokens\"")
    }
}

extension Tokenizer {
    /// Loads a Mistral Tekken `.json` from memory.
    public init(tekkenJSON data: Data, name: String = "tekken.json", source: String = "<memory>") throws(TokError) {
        throw TokError(.unsupported, "Tekken files are not implemented yet", at: source)
    }

    /// Loads a SentencePiece `.model` (a serialized ModelProto) from memory.
    public init(sentencePieceModel data: Data, name: String = "tokenizer.model", source: String = "<memory>") throws(TokError) {
        throw TokError(.unsupported, "SentencePiece models are not implemented yet", at: source)
    }
}

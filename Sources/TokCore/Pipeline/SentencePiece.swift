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

}

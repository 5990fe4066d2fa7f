import Foundation
import TokCore

/// A trained byte-level BPE vocabulary (every byte has a token): its tokens, its merges in the order they were made, and
/// writers for the formats other tools load (`.tiktoken` ranks, Hugging Face `tokenizer.json`,
/// a `merges.txt` list).
public struct TrainedBPE: Sendable {
    /// One merge: two token ids joined into a third.
    public struct Merge: Sendable, Hashable {
        /// The left token's id.
        public let left: Int
        /// The right token's id.
        public let right: Int
        /// The merged token's id (an existing one when another pair already made these bytes).
        public let result: Int
        /// How often the pair occurred in the corpus when it was merged.
        public let count: Int
    }

    /// Every token's bytes, by id: special tokens first, then the tokens training starts from
    /// (``BPETrainer``: the 256 bytes in GPT-2's byte-to-character order; ``CharBPETrainer``: the
    /// alphabet characters, the other bytes, partial characters), then merged tokens in the order
    /// they were made.
    public let tokens: [[UInt8]]
    /// The number of special tokens (ids 0 ..< specialTokenCount).
    public let specialTokenCount: Int
    /// Every merge, in order. A pair merged twice (its words came from two queue entries, as in
    /// BpeTrainer) appears twice; ``huggingFaceMerges`` keeps its last place, as `tokenizers` saves it.
    public let merges: [Merge]
    /// The pre-tokenization pattern used in training (nil: whole lines).
    public let pattern: SplitPattern?
    /// The normalization used in training.
    public let normalization: BPETrainer.Normalization
    /// Bytes of text the corpus had.
    public let corpusBytes: Int
    /// Pieces counted (with repeats).
    public let corpusPieces: Int
    /// Distinct pieces.
    public let distinctPieces: Int

    /// The special tokens' texts.
    public var specialTokens: [String] { tokens[0..<specialTokenCount].map { String(decoding: $0, as: UTF8.self) } }

    /// The merges as `tokenizers` saves them: each pair once, at the place of its last merge.
    public var huggingFaceMerges: [(left: Int, right: Int)] {
        var last: [Int: Int] = [:]
        for (k, m) in merges.enumerated() { last[m.left << 32 | m.right] = k }
        return merges.enumerated().filter { last[$0.element.left << 32 | $0.element.right] == $0.offset }
            .map { ($0.element.left, $0.element.right) }
    }

    /// The `.tiktoken` text: one line per non-special token, base64 bytes and rank (id minus the
    /// number of special tokens). Special tokens are not part of the format: ``tiktokenSpecialTokens``
    /// gives the ids they take after the ranks, as tiktoken's encodings place them.
    public func tiktokenFile() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(tokens.count * 12)
        for id in specialTokenCount..<tokens.count {
            out += Array(Data(tokens[id]).base64EncodedString().utf8)
            out.append(0x20)
            out += Array(String(id - specialTokenCount).utf8)
            out.append(0x0A)
        }
        return out
    }

    /// Special token texts and their ids in the `.tiktoken` form (after every rank).
    public var tiktokenSpecialTokens: [String: Int] {
        var out: [String: Int] = [:]
        for (k, s) in specialTokens.enumerated() { out[s] = tokens.count - specialTokenCount + k }
        return out
    }

    /// The vocabulary as a Tok tokenizer on tiktoken's rules (ranks, the training pattern, the
    /// special tokens after the ranks). Training without a pattern has no tiktoken form: load
    /// ``huggingFaceJSON()`` instead.
    public func tokenizer(name: String = "trained") throws(TokError) -> Tokenizer {
        guard let pattern else {
            throw TokError(.invalidArgument, "a vocabulary trained without a split pattern has no tiktoken form; load its tokenizer.json")
        }
        return try Tokenizer(tiktokenData: tiktokenFile(), pattern: pattern, specialTokens: tiktokenSpecialTokens, name: name)
    }

    /// The byte-level string of token id (special tokens as they are).
    func byteLevel(_ id: Int) -> String {
        if id < specialTokenCount { return String(decoding: tokens[id], as: UTF8.self) }
        return String(decoding: _ByteLevelMap.encode(tokens[id]), as: UTF8.self)
    }

    /// A Hugging Face `tokenizer.json`: a BPE model with this vocabulary and merges, the
    /// pre-tokenizer that cuts pieces as training did (ByteLevel with GPT-2's regex for r50k,
    /// else Split with the pattern's regex, then ByteLevel without one), the ByteLevel decoder,
    /// the normalizer, and the special tokens as added tokens.
    public func huggingFaceJSON() -> String {
        var j = "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": ["
        for k in 0..<specialTokenCount {
            j += k == 0 ? "\n" : ",\n"
            j += "    {\"id\": \(k), \"content\": \(jsonString(specialTokens[k].utf8)), \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}"
        }
        j += specialTokenCount > 0 ? "\n  ],\n" : "],\n"
        switch normalization {
        case .none: j += "  \"normalizer\": null,\n"
        case .nfc: j += "  \"normalizer\": {\"type\": \"NFC\"},\n"
        case .nfkc: j += "  \"normalizer\": {\"type\": \"NFKC\"},\n"
        }
        let byteLevelStep = { (regex: Bool) in
            "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": \(regex)}"
        }
        switch pattern {
        case .r50k?: j += "  \"pre_tokenizer\": \(byteLevelStep(true)),\n"
        case let p?:
            j += "  \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": \(jsonString(p.onigurumaRegex.utf8))}, \"behavior\": \"Isolated\", \"invert\": false}, \(byteLevelStep(false))]},\n"
        case nil: j += "  \"pre_tokenizer\": \(byteLevelStep(false)),\n"
        }
        j += "  \"post_processor\": null,\n"
        j += "  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true},\n"
        j += "  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n"
        j += "    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n"
        j += "    \"byte_fallback\": false,\n    \"ignore_merges\": false,\n    \"vocab\": {"
        for id in 0..<tokens.count {
            j += id == 0 ? "\n      " : ",\n      "
            j += "\(jsonString(byteLevel(id).utf8)): \(id)"
        }
        j += "\n    },\n    \"merges\": ["
        for (k, m) in huggingFaceMerges.enumerated() {
            j += k == 0 ? "\n      " : ",\n      "
            j += "[\(jsonString(byteLevel(m.left).utf8)), \(jsonString(byteLevel(m.right).utf8))]"
        }
        j += "\n    ]\n  }\n}\n"
        return j
    }

    /// The merges in `merges.txt` form (`#version: 0.2`, then `left right` per line in byte-level
    /// characters), as GPT-2 and `tokenizers` write it.
    public func mergesText() -> String {
        var out = "#version: 0.2\n"
        for m in huggingFaceMerges { out += "\(byteLevel(m.left)) \(byteLevel(m.right))\n" }
        return out
    }
}

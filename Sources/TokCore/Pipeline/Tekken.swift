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
    ///
    /// Tekken is tiktoken's BPE over ranks with Mistral's split pattern: the first
    /// `default_num_special_tokens` ids are control tokens (from `special_tokens`, or for files up
    /// to v7 without it the list mistral-common uses, then `<SPECIAL_n>` fillers), and rank r
    /// has id r + that number, for the ranks below `default_vocab_size` minus it. As in
    /// mistral-common, control tokens are never recognized in text: encode with
    /// `--special-as-text` / `disallowedSpecial: .none` to match it.
    public init(tekkenJSON data: Data, name: String = "tekken.json", source: String = "<memory>") throws(TokError) {
        func fail(_ path: String, _ what: String) -> TokError { TokError(.malformedVocabulary, what, at: "\(source): \(path)") }
        guard let root = try _readJSONValue(data) as? [String: Any] else { throw fail("$", "expected a JSON object") }
        guard let config = root["config"] as? [String: Any] else { throw fail("$.config", "missing") }
        guard let pattern = config["pattern"] as? String else { throw fail("$.config.pattern", "missing") }
        guard pattern == SplitPattern.tekken.regex else {
            throw TokError(.unsupported, "the split pattern is not Tekken's (\(pattern.prefix(80))…); Tok runs Tekken's pattern only",
                           at: "\(source): $.config.pattern")
        }
        func int(_ key: String) throws(TokError) -> Int {
            guard let n = config[key] as? NSNumber, n.intValue >= 0 else { throw fail("$.config.\(key)", "missing or not a count") }
            return n.intValue
        }
        let nSpecial = try int("default_num_special_tokens"), vocabSize = try int("default_vocab_size")
        guard let vocab = root["vocab"] as? [[String: Any]] else { throw fail("$.vocab", "missing or not an array") }
        let inner = vocabSize - nSpecial
        guard inner >= 256, inner <= vocab.count else {
            throw fail("$.config.default_vocab_size", "\(vocabSize) minus \(nSpecial) special tokens does not fit the \(vocab.count) ranks")
        }
        // Ranks 0 ..< inner, each once.
        var raw = [[UInt8]?](repeating: nil, count: inner)
        for (k, e) in vocab.enumerated() {
            guard let r = (e["rank"] as? NSNumber)?.intValue else { throw fail("$.vocab[\(k)].rank", "missing") }
            guard r < inner else { continue }
            guard r >= 0, raw[r] == nil else { throw fail("$.vocab[\(k)].rank", "rank \(r) is negative or repeated") }
            guard let b64 = e["token_bytes"] as? String, let bytes = Data(base64Encoded: b64), !bytes.isEmpty else {
                throw fail("$.vocab[\(k)].token_bytes", "not base64 bytes")
            }
            raw[r] = [UInt8](bytes)
        }
        if let missing = raw.firstIndex(where: { $0 == nil }) { throw fail("$.vocab", "rank \(missing) is missing") }
        // Control tokens.
        var names: [String] = []
        if let list = root["special_tokens"] as? [[String: Any]] {
            for (k, e) in list.enumerated() {
                guard let t = e["token_str"] as? String, (e["rank"] as? NSNumber)?.intValue == k else {
                    throw fail("$.special_tokens[\(k)]", "expected token_str and rank \(k)")
                }
                names.append(t)
            }
        } else {
            names = ["<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
                     "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]",
                     "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]"]
        }
        guard names.count <= nSpecial, Set(names).count == names.count else {
            throw fail("$.special_tokens", "more than \(nSpecial) special tokens, or one given twice")
        }
        for i in names.count..<nSpecial { names.append("<SPECIAL_\(i)>") }
        // The byte-level vocabulary: rank r is id r + nSpecial. Merges come from the ranks as
        // tiktoken applies them: each token, encoded with the lower ranks only, ends as two parts,
        // and joining those two is its merge (a token that does not is never produced, as in tiktoken).
        var byID: [[UInt8]: Int] = [:]
        var rawVocab: [[UInt8]: Int] = [:]
        var byteIDs = [Int](repeating: -1, count: 256)
        byID.reserveCapacity(inner)
        rawVocab.reserveCapacity(inner)
        for (r, b) in raw.enumerated() {
            let t = b!
            guard rawVocab[t] == nil else { throw fail("$.vocab", "the bytes of rank \(r) repeat an earlier rank") }
            rawVocab[t] = r + nSpecial
            byID[_ByteLevelMap.encode(t)] = r + nSpecial
            if t.count == 1 { byteIDs[Int(t[0])] = r + nSpecial }
        }
        if let b = byteIDs.firstIndex(of: -1) { throw fail("$.vocab", "byte \(b) has no rank") }
        let table = try _MergeTable(expected: inner)
        var ids: [UInt32] = [], lens: [UInt32] = []
        for (r, b) in raw.enumerated() where b!.count > 1 {
            ids = b!.map { UInt32(byteIDs[Int($0)]) }
            lens = [UInt32](repeating: 1, count: ids.count)
            table.merge(&ids, &lens)
            if ids.count == 2 { try table.set(Int(ids[0]), Int(ids[1]), rank: r, merged: r + nSpecial) }
        }
        var rawByID = _TokenTable([[UInt8]?](repeating: nil, count: nSpecial))
        for b in raw { rawByID.append(b) }
        let model = _BPE(vocab: try _ByteMap(byID), merges: table, byteLevel: true, byteIDs: byteIDs,
                         rawIndex: try _ByteMap.index(rawByID), unk: nil,
                         fuseUnk: false, byteFallback: nil, prefix: nil, suffix: nil, ignoreMerges: false,
                         virtualChars: [:], virtualBase: Int(Int32.max))
        var specials: [String: Int] = [:]
        let added = names.enumerated().map { id, n in
            specials[n] = id
            return _AddedToken(content: Array(n.utf8), id: id, special: true, singleWord: false, lstrip: false,
                               rstrip: false, normalized: false)
        }
        let p = try _Pipeline.make(added: added, normalizer: nil,
                               preTokenizer: .split(_Pattern(kind: .scanner(.tekken)), .isolated, invert: false),
                               model: .bpe(model), decoder: .byteLevel, vocab: byID, byteLevel: true,
                               rawOutputs: rawByID)
        self.init(units: p, name: name, specialTokens: specials)
    }

}

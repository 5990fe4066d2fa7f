internal import CTokKernels
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
        // The vocabulary (an array of a hundred thousand objects) is left raw and read in C.
        var reader = _JSONReader(bytes: [UInt8](data), range: nil, source: source)
        reader.rawKeys = ["vocab"]
        guard let root = try reader.parse() as? [String: Any] else { throw fail("$", "expected a JSON object") }
        let doc = reader.doc
        defer { doc?.release() }
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
        guard let vocab = root["vocab"] as? _JSONRaw else { throw fail("$.vocab", "missing or not an array") }
        let inner = vocabSize - nSpecial
        // Every entry takes more than eight bytes of the file: a larger count cannot fit (and
        // must not size the tables).
        guard inner >= 256, inner <= vocab.range.count / 8, nSpecial < Int(Int32.max) - inner else {
            throw fail("$.config.default_vocab_size", "\(vocabSize) minus \(nSpecial) special tokens does not fit the ranks of $.vocab")
        }
        // Ranks 0 ..< inner, each once: their bytes in one arena.
        var arena = [UInt8](repeating: 0, count: vocab.range.count)
        var spans = [UInt64](repeating: UInt64.max, count: inner)
        var used = 0, errIndex = 0, errField: Int32 = 0, errDetail: UInt64 = 0, errPos = 0
        var why: UnsafePointer<CChar>? = nil
        let entries = vocab.document.withUnsafeBufferPointer { d in
            arena.withUnsafeMutableBufferPointer { a in
                spans.withUnsafeMutableBufferPointer { sp in
                    tok_tekken_read_vocab(d.baseAddress, vocab.range.lowerBound, vocab.range.upperBound, UInt32(inner),
                                          a.baseAddress, sp.baseAddress, &used, &errIndex, &errField, &errDetail, &errPos, &why)
                }
            }
        }
        if entries < 0 {
            let what = why.map { String(cString: $0) } ?? "malformed"
            switch errField {
            case 1 where what == "repeated":
                throw fail("$.vocab[\(errIndex)].rank", "rank \(Int64(bitPattern: errDetail)) is negative or repeated")
            case 1: throw fail("$.vocab[\(errIndex)].rank", what)
            case 2: throw fail("$.vocab[\(errIndex)].token_bytes", what)
            default: throw fail("$.vocab[\(errIndex)]", "\(what) (byte \(errPos))")
            }
        }
        guard inner <= Int(entries) else {
            throw fail("$.config.default_vocab_size", "\(vocabSize) minus \(nSpecial) special tokens does not fit the \(entries) ranks")
        }
        if let missing = spans.firstIndex(of: UInt64.max) { throw fail("$.vocab", "rank \(missing) is missing") }
        arena.removeSubrange(used...)
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
        // The byte-level vocabulary: rank r is id r + nSpecial. Raw bytes by id, and their index
        // (which also finds two ranks with the same bytes).
        let rawByID = _TokenTable(arena: arena, spans: [UInt64](repeating: UInt64.max, count: nSpecial) + spans)
        let rawIndex = try _ByteMap(expected: rawByID.count)
        for r in 0..<inner {
            let rc = try rawByID.withBytes(r + nSpecial) { b in tok_strmap_put(rawIndex.handle, b.baseAddress, b.count, UInt32(r + nSpecial)) } ?? 0
            guard rc == 0 else {
                throw rc < 0 ? TokError(.invalidArgument, "out of memory") : fail("$.vocab", "the bytes of rank \(r) repeat an earlier rank")
            }
        }
        // Merges come from the ranks as tiktoken applies them: each token, encoded with the lower
        // ranks only, ends as two parts, and joining those two is its merge (a token that does
        // not is never produced, as in tiktoken).
        let table = try _MergeTable(expected: inner)
        var byteIDs32 = [Int32](repeating: -1, count: 256)
        let merged = arena.withUnsafeBufferPointer { a in
            spans.withUnsafeBufferPointer { sp in
                byteIDs32.withUnsafeMutableBufferPointer { bi in
                    tok_merges_from_ranks(table.handle, a.baseAddress, sp.baseAddress, inner, UInt32(nSpecial), bi.baseAddress)
                }
            }
        }
        guard merged >= 0 else { throw TokError(.invalidArgument, "out of memory") }
        let byteIDs = byteIDs32.map(Int.init)
        if let b = byteIDs.firstIndex(of: -1) { throw fail("$.vocab", "byte \(b) has no rank") }
        // Token strings in the byte-level alphabet (GPT-2's), as tokenizer.json files spell them.
        var strings = _TokenTable([[UInt8]?](repeating: nil, count: nSpecial))
        let charBytes = (0..<256).map { UTF8.bytes(of: _ByteLevelMap.charOfByte[$0]) }
        var scratch: [UInt8] = []
        for r in 0..<inner {
            scratch.removeAll(keepingCapacity: true)
            _ = try rawByID.withBytes(r + nSpecial) { b in for x in b { scratch.append(contentsOf: charBytes[Int(x)]) } }
            scratch.withUnsafeBufferPointer { strings.append($0) }
        }
        let model = _BPE(vocab: try _ByteMap.index(strings), merges: table, byteLevel: true, byteIDs: byteIDs,
                         rawIndex: rawIndex, unk: nil,
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
                               model: .bpe(model), decoder: .byteLevel, tokens: strings, byteLevel: true,
                               rawOutputs: rawByID)
        self.init(units: p, name: name, specialTokens: specials)
    }

}

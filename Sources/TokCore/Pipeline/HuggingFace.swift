internal import CTokKernels
import Foundation

/// Reads a Hugging Face `tokenizer.json` into a pipeline; every error names the file and the
/// JSON path of what is wrong or unsupported.
struct _HFLoader {
    let source: String

    func fail(_ path: String, _ message: String, _ code: TokError.Code = .malformedVocabulary) -> TokError {
        TokError(code, message, at: "\(source): \(path)")
    }

    func object(_ v: Any?, _ path: String) throws(TokError) -> [String: Any] {
        guard let o = v as? [String: Any] else { throw fail(path, "expected an object") }
        return o
    }

    func string(_ o: [String: Any], _ key: String, _ path: String) throws(TokError) -> String {
        guard let s = o[key] as? String else { throw fail("\(path).\(key)", "expected a string") }
        return s
    }

    func bool(_ o: [String: Any], _ key: String, _ def: Bool) -> Bool {
        (o[key] as? NSNumber)?.boolValue ?? def
    }

    func int(_ o: [String: Any], _ key: String, _ path: String) throws(TokError) -> Int {
        guard let n = o[key] as? NSNumber, let i = Int(exactly: n.doubleValue) else {
            throw fail("\(path).\(key)", "expected an integer")
        }
        return i
    }

    func type(_ o: [String: Any], _ path: String) throws(TokError) -> String { try string(o, "type", path) }

    /// The steps of a Sequence component, each read by `parse` (nil steps dropped).
    func steps<T>(_ o: [String: Any], _ key: String, _ path: String,
                  _ parse: (Any, String) throws(TokError) -> T?) throws(TokError) -> [T] {
        guard let list = o[key] as? [Any] else { throw fail("\(path).\(key)", "expected a list") }
        var out: [T] = []
        for (k, item) in list.enumerated() {
            if let step = try parse(item, "\(path).\(key)[\(k)]") { out.append(step) }
        }
        return out
    }

    /// The ids of the 256 `<0xNN>` byte tokens when `byte_fallback` is on; empty when some are
    /// missing (the reference then falls back to unk).
    func byteFallback(_ o: [String: Any], _ id: ([UInt8]) -> Int?) -> [Int]? {
        guard bool(o, "byte_fallback", false) else { return nil }
        var f: [Int] = []
        for b in 0..<256 {
            guard let i = id(Array(String(format: "<0x%02X>", b).utf8)) else { return [] }
            f.append(i)
        }
        return f
    }

    func pattern(_ v: Any?, _ path: String, scannerTilesText: Bool = false) throws(TokError) -> _Pattern {
        let o = try object(v, path)
        if let s = o["String"] as? String { return _Pattern(kind: .literal(Array(s.utf8))) }
        if let r = o["Regex"] as? String {
            // The scanners run a pattern only where Oniguruma reads it the same way (see
            // SplitPattern.onigurumaRegex); anything else goes to ICU with Oniguruma's reading.
            // A CR or LF written as itself reads as the escape `\r` / `\n` does (DeepSeek's
            // file writes them so).
            let escaped = r.replacingOccurrences(of: "\r", with: #"\r"#).replacingOccurrences(of: "\n", with: #"\n"#)
            if let known = SplitPattern.allCases.first(where: { $0 != .deepseek && ($0.onigurumaRegex == escaped || $0.onigurumaAliases.contains(escaped)) }),
               known != .superword || scannerTilesText { return _Pattern(kind: .scanner(known)) }
            return _Pattern(kind: .regex(try _Regex(r, at: "\(source): \(path).Regex")))
        }
        throw fail(path, "expected {\"String\": …} or {\"Regex\": …}")
    }

    // MARK: components

    func normalizer(_ v: Any?, _ path: String) throws(TokError) -> _Normalizer? {
        if v == nil || v is NSNull { return nil }
        let o = try object(v, path)
        switch try type(o, path) {
        case "Sequence":
            return .sequence(try steps(o, "normalizers", path) { v, p throws(TokError) in try normalizer(v, p) })
        case "NFC": return .unicode(0)
        case "NFD": return .unicode(1)
        case "NFKC": return .unicode(2)
        case "NFKD": return .unicode(3)
        case "Lowercase": return .lowercase
        case "StripAccents": return .stripAccents
        case "Strip": return .strip(left: bool(o, "strip_left", true), right: bool(o, "strip_right", true))
        case "Replace":
            return .replace(try pattern(o["pattern"], "\(path).pattern"), Array(try string(o, "content", path).utf8))
        case "Prepend": return .prepend(Array(try string(o, "prepend", path).utf8))
        case "Nmt": return .nmt
        case "Precompiled":
            // A SentencePiece character map, base64 (tokenizers refuses a missing, null or empty one).
            guard let b64 = o["precompiled_charsmap"] as? String, let data = Data(base64Encoded: b64),
                  let map = _CharsMap([UInt8](data)) else {
                throw fail("\(path).precompiled_charsmap", "missing, or not a base64 SentencePiece character map")
            }
            return .precompiled(map)
        case "BertNormalizer":
            let lower = bool(o, "lowercase", true)
            let strip = (o["strip_accents"] as? NSNumber)?.boolValue ?? lower
            return .bert(cleanText: bool(o, "clean_text", true), chinese: bool(o, "handle_chinese_chars", true),
                         stripAccents: strip, lowercase: lower)
        case let t:
            throw fail("\(path).type", "normalizer \(t) is not supported", .unsupported)
        }
    }

    /// The pre-tokenizer, and whether a ByteLevel step maps bytes to characters.
    func preTokenizer(_ v: Any?, _ path: String, _ byteLevel: inout Bool) throws(TokError) -> _PreTokenizer? {
        if v == nil || v is NSNull { return nil }
        let o = try object(v, path)
        switch try type(o, path) {
        case "Sequence":
            var bl = byteLevel
            let list = try steps(o, "pretokenizers", path) { v, p throws(TokError) in try preTokenizer(v, p, &bl) }
            byteLevel = bl
            return .sequence(_PreTokenizer.fused(list))
        case "Split":
            let b = try string(o, "behavior", path)
            guard let behavior = _SplitBehavior(rawValue: b) else { throw fail("\(path).behavior", "unknown behavior \(b)", .unsupported) }
            let invert = bool(o, "invert", false)
            // The superword scanner also returns the text between matches: it stands for the
            // regex only where that text is kept as pieces of its own (Isolated, not inverted).
            let tiles = behavior == .isolated && !invert
            return .split(try pattern(o["pattern"], "\(path).pattern", scannerTilesText: tiles), behavior, invert: invert)
        case "ByteLevel":
            byteLevel = true
            // GPT-2's regex, on the r50k scanner (see SplitPattern.onigurumaAliases)
            let regex = bool(o, "use_regex", true) ? _Pattern(kind: .scanner(.r50k)) : nil
            return .byteLevel(addPrefixSpace: bool(o, "add_prefix_space", true), regex: regex)
        case "Metaspace":
            let rep = Array((o["replacement"] as? String ?? "▁").utf8)
            let scheme: _PrependScheme
            if let s = o["prepend_scheme"] as? String {
                guard let p = _PrependScheme(rawValue: s) else { throw fail("\(path).prepend_scheme", "unknown scheme \(s)", .unsupported) }
                scheme = p
            } else {
                scheme = bool(o, "add_prefix_space", true) ? .always : .never
            }
            return .metaspace(replacement: rep, prepend: scheme, split: bool(o, "split", true))
        case "Whitespace":
            return .whitespace(_Pattern(kind: .regex(try _Regex.whitespaceWords(at: "\(source): \(path)"))))
        case "WhitespaceSplit": return .whitespaceSplit
        case "CharDelimiterSplit":
            let d = try string(o, "delimiter", path)
            guard d.unicodeScalars.count == 1 else { throw fail("\(path).delimiter", "expected one character") }
            return .split(_Pattern(kind: .literal(Array(d.utf8))), .removed, invert: false)
        case "FixedLength":
            let n = (o["length"] as? NSNumber)?.intValue ?? 5
            guard n > 0 else { throw fail("\(path).length", "expected a positive length") }
            return .fixedLength(n)
        case "BertPreTokenizer": return .bert
        case "UnicodeScripts": return .unicodeScripts
        case "Punctuation":
            let b = o["behavior"] as? String ?? "Isolated"
            guard let behavior = _SplitBehavior(rawValue: b) else { throw fail("\(path).behavior", "unknown behavior \(b)", .unsupported) }
            return .punctuation(behavior)
        case "Digits": return .digits(individual: bool(o, "individual_digits", false))
        case let t:
            throw fail("\(path).type", "pre-tokenizer \(t) is not supported", .unsupported)
        }
    }

    func decoder(_ v: Any?, _ path: String) throws(TokError) -> _Decoder? {
        if v == nil || v is NSNull { return nil }
        let o = try object(v, path)
        switch try type(o, path) {
        case "Sequence":
            return .sequence(try steps(o, "decoders", path) { v, p throws(TokError) in try decoder(v, p) })
        case "ByteLevel": return .byteLevel
        case "Metaspace":
            let rep = Array((o["replacement"] as? String ?? "▁").utf8)
            let scheme = (o["prepend_scheme"] as? String).flatMap(_PrependScheme.init(rawValue:))
                ?? (bool(o, "add_prefix_space", true) ? .always : .never)
            return .metaspace(replacement: rep, prependSpace: scheme != .never)
        case "WordPiece":
            return .wordPiece(prefix: Array((o["prefix"] as? String ?? "##").utf8), cleanup: bool(o, "cleanup", true))
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Strip":
            return .strip(content: Array(try string(o, "content", path).utf8), start: try int(o, "start", path),
                          stop: try int(o, "stop", path))
        case "Replace":
            return .replace(try pattern(o["pattern"], "\(path).pattern"), Array(try string(o, "content", path).utf8))
        case "BPEDecoder":
            return .bpeSuffix(Array((o["suffix"] as? String ?? "</w>").utf8))
        case let t:
            throw fail("\(path).type", "decoder \(t) is not supported", .unsupported)
        }
    }

    // MARK: models

    /// A model's `vocab` object (token → id), read by the C reader: the map, and each id's token.
    final class Vocab {
        /// Token strings to ids (nil once dropped: a byte-level model encodes without it).
        var map: _ByteMap?
        let limit: Int
        /// Token strings by id (absent for ids no token has), made from the map when first asked
        /// for (a BPE loader asks once the file is released, when memory is lower).
        lazy var tokens: _TokenTable = map!.keysByValue(limit: limit)

        init(map: _ByteMap, limit: Int) {
            self.map = map
            self.limit = limit
        }

        func id(_ token: [UInt8]) -> Int? { token.withUnsafeBufferPointer { map?.get($0) } }

        /// The vocabulary as a Swift dictionary (WordPiece reads through one).
        func dictionary() -> [[UInt8]: Int] {
            var d: [[UInt8]: Int] = [:]
            d.reserveCapacity(tokens.count)
            for id in 0..<tokens.count { if let t = tokens[id] { d[t] = id } }
            return d
        }
    }

    func vocabulary(_ o: [String: Any], _ path: String) throws(TokError) -> Vocab {
        guard let raw = o["vocab"] as? _JSONRaw else { throw fail("\(path).vocab", "expected an object of token → id") }
        let map = try _ByteMap(expected: 0)          // the reader sizes it
        var maxID: Int64 = -1
        var errPos = 0
        var why: UnsafePointer<CChar>? = nil
        let n = raw.document.withUnsafeBufferPointer {
            tok_json_read_vocab($0.baseAddress, raw.range.lowerBound, raw.range.upperBound, map.handle, &maxID, &errPos, &why)
        }
        guard n >= 0 else {
            if n == Int64(TOK_E_NOMEM) { throw TokError(.invalidArgument, "out of memory") }
            throw fail("\(path).vocab", "\(why.map { String(cString: $0) } ?? "malformed") at byte \(errPos)")
        }
        return Vocab(map: map, limit: Int(maxID) + 1)
    }

    /// The two parts of merge `rank` (for error messages).
    func mergeParts(_ m: Any, _ path: String, _ rank: Int) throws(TokError) -> (String, String) {
        if let s = m as? String {
            let parts = s.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw fail("\(path).merges[\(rank)]", "expected \"A B\"") }
            return (String(parts[0]), String(parts[1]))
        }
        if let p = m as? [String], p.count == 2 { return (p[0], p[1]) }
        throw fail("\(path).merges[\(rank)]", "expected \"A B\" or [A, B]")
    }

    func bpe(_ o: [String: Any], _ path: String, byteLevel: Bool) throws(TokError) -> (_BPE, Vocab, _TokenTable?) {
        if let d = o["dropout"] as? NSNumber, d.doubleValue > 0 {
            throw fail("\(path).dropout", "BPE dropout is random; Tok encodes deterministically", .unsupported)
        }
        let vocab = try vocabulary(o, path)
        guard let merges = o["merges"] as? _JSONRaw else { throw fail("\(path).merges", "expected a list") }
        let prefix = (o["continuing_subword_prefix"] as? String).map { Array($0.utf8) }
        let suffix = (o["end_of_word_suffix"] as? String).map { Array($0.utf8) }
        let table = try _MergeTable(expected: 0)     // the reader sizes it
        var errIndex = 0, errPos = 0
        var why: UnsafePointer<CChar>? = nil
        let n = merges.document.withUnsafeBufferPointer { doc in
            (prefix ?? []).withUnsafeBufferPointer { p in
                tok_json_read_merges(doc.baseAddress, merges.range.lowerBound, merges.range.upperBound, vocab.map!.handle,
                                     p.baseAddress, p.count, table.handle, &errIndex, &errPos, &why)
            }
        }
        if n >= 0 { merges.doc.release() }   // vocabulary and merges read: the file can go
        if n < 0 {
            let at = "\(path).merges[\(errIndex)]"
            switch n {
            case Int64(TOK_E_NOMEM): throw TokError(.invalidArgument, "out of memory")
            case Int64(TOK_E_UNKNOWN_TOKEN):
                // the generic reader, only to quote the merge in the message
                let list = (try? merges.value()) as? [Any] ?? []
                let (a, b) = errIndex < list.count ? try mergeParts(list[errIndex], path, errIndex) : ("?", "?")
                if vocab.id(Array(a.utf8)) == nil || vocab.id(Array(b.utf8)) == nil {
                    throw fail(at, "merge \(a.debugDescription) \(b.debugDescription) uses a token not in the vocabulary")
                }
                throw fail(at, "the merge of \(a.debugDescription) and \(b.debugDescription) is not in the vocabulary")
            default:
                throw fail(at, "\(why.map { String(cString: $0) } ?? "malformed merge") at byte \(errPos)")
            }
        }
        var unk: Int? = nil
        if let u = o["unk_token"] as? String {
            guard let id = vocab.id(Array(u.utf8)) else { throw fail("\(path).unk_token", "unk token \(u.debugDescription) is not in the vocabulary") }
            unk = id
        }
        var byteIDs = [Int](repeating: -1, count: 256)
        if byteLevel { for b in 0..<256 { byteIDs[b] = vocab.id(UTF8.bytes(of: _ByteLevelMap.charOfByte[b])) ?? -1 } }
        let fallback = byteFallback(o, vocab.id)
        // A byte-level model with a token for every byte and no affixes encodes through the bytes
        // index alone: the map of token strings is dropped before the index is built (a few MB
        // for a large vocabulary, at the moment memory peaks).
        let stringsNeeded = !byteLevel || byteIDs.contains(-1) || prefix != nil || suffix != nil
        let strings = stringsNeeded ? vocab.map! : try _ByteMap(expected: 0)
        _ = vocab.tokens              // made from the map before it goes
        if !stringsNeeded { vocab.map = nil }
        var rawByID = _TokenTable()
        var rawIndex: _ByteMap? = nil
        if byteLevel {
            let index = try _ByteMap(expected: vocab.tokens.count)
            rawByID = try index.byteLevelIndex(of: vocab.tokens)
            rawIndex = index
        }
        let model = _BPE(vocab: strings, merges: table, byteLevel: byteLevel, byteIDs: byteIDs,
                         rawIndex: rawIndex, unk: unk,
                         fuseUnk: bool(o, "fuse_unk", false), byteFallback: fallback, prefix: prefix, suffix: suffix,
                         ignoreMerges: bool(o, "ignore_merges", false), virtualChars: [:], virtualBase: Int(Int32.max))
        return (model, vocab, byteLevel ? rawByID : nil)
    }

    func load(_ data: Data) throws(TokError) -> _Pipeline { try load(bytes: [UInt8](data)) }

    /// The document parsed, with `model.vocab` and `model.merges` left as raw ranges; the reader
    /// (and with it every other reference to the bytes but the document's) is gone on return.
    func parseRoot(_ bytes: consuming [UInt8]) throws(TokError) -> ([String: Any], _JSONDocument?) {
        var reader = _JSONReader(bytes: consume bytes, range: nil, source: source)
        reader.rawKeys = ["vocab", "merges"]
        guard let root = try reader.parse() as? [String: Any] else { throw fail("$", "expected a JSON object") }
        return (root, reader.doc)
    }

    func load(bytes: consuming [UInt8]) throws(TokError) -> _Pipeline {
        let (root, doc) = try parseRoot(consume bytes)
        // once the model's large sections are read, the file is not needed while the rest is built
        defer { doc?.release() }
        let norm = try normalizer(root["normalizer"], "$.normalizer")
        var byteLevel = false
        let pre = try preTokenizer(root["pre_tokenizer"], "$.pre_tokenizer", &byteLevel)
        let dec = try decoder(root["decoder"], "$.decoder")
        let m = try object(root["model"], "$.model")
        let mtype = (m["type"] as? String) ?? (m["merges"] != nil ? "BPE" : m["max_input_chars_per_word"] != nil ? "WordPiece" : "Unigram")
        let model: _PipelineModel
        var tokens: _TokenTable
        var rawOutputs: _TokenTable? = nil
        switch mtype {
        case "BPE":
            let (b, v, raw) = try bpe(m, "$.model", byteLevel: byteLevel)
            model = .bpe(b)
            tokens = v.tokens
            rawOutputs = raw
        case "WordPiece":
            let v = try vocabulary(m, "$.model")
            tokens = v.tokens
            let u = m["unk_token"] as? String ?? "[UNK]"
            guard let unk = v.id(Array(u.utf8)) else { throw fail("$.model.unk_token", "unk token \(u.debugDescription) is not in the vocabulary") }
            model = .wordPiece(_WordPiece(vocab: v.dictionary(), unk: unk, prefix: Array((m["continuing_subword_prefix"] as? String ?? "##").utf8),
                                          maxChars: (m["max_input_chars_per_word"] as? NSNumber)?.intValue ?? 100))
        case "Unigram":
            guard let list = try (m["vocab"] as? _JSONRaw)?.value() as? [[Any]] else {
                throw fail("$.model.vocab", "expected a list of [piece, score]")
            }
            var vocab: [[UInt8]: Int] = [:]
            tokens = _TokenTable()
            var scores: [Double] = []
            for (i, e) in list.enumerated() {
                guard e.count == 2, let p = e[0] as? String, let s = e[1] as? NSNumber else {
                    throw fail("$.model.vocab[\(i)]", "expected [piece, score]")
                }
                vocab[Array(p.utf8)] = i
                tokens.append(Array(p.utf8))
                scores.append(s.doubleValue)
            }
            guard let unkIndex = (m["unk_id"] as? NSNumber)?.intValue, unkIndex >= 0, unkIndex < list.count else {
                throw fail("$.model.unk_id", "a Unigram model needs an unk_id inside its vocabulary", .unsupported)
            }
            let fallback = byteFallback(m) { vocab[$0] }
            model = .unigram(_Unigram(vocab: try _ByteMap(vocab), scores: scores, unk: unkIndex, byteFallback: fallback,
                                      maxPieceBytes: vocab.keys.map(\.count).max() ?? 1,
                                      unkScore: (scores.min() ?? 0) - 10, singlePrecision: false))
        case let t:
            throw fail("$.model.type", "model \(t) is not supported", .unsupported)
        }
        // Added tokens.
        var added: [_AddedToken] = []
        if let list = root["added_tokens"] as? [Any] {
            for (k, item) in list.enumerated() {
                let path = "$.added_tokens[\(k)]"
                let o = try object(item, path)
                let a = _AddedToken(content: Array(try string(o, "content", path).utf8), id: try int(o, "id", path),
                                    special: bool(o, "special", false), singleWord: bool(o, "single_word", false),
                                    lstrip: bool(o, "lstrip", false), rstrip: bool(o, "rstrip", false),
                                    normalized: bool(o, "normalized", !bool(o, "special", false)))
                guard a.id >= 0, a.id < Int(Int32.max) else { throw fail("\(path).id", "id out of range") }
                added.append(a)
            }
        }
        var p = try _Pipeline.make(added: added, normalizer: norm, preTokenizer: pre, model: model, decoder: dec,
                                   tokens: consume tokens, byteLevel: byteLevel, rawOutputs: consume rawOutputs)
        if let pad = root["padding"] as? [String: Any] {
            var length: Int? = nil
            if let st = pad["strategy"] as? [String: Any], let f = st["Fixed"] as? NSNumber { length = f.intValue }
            p.padding = Padding(length: length, multipleOf: (pad["pad_to_multiple_of"] as? NSNumber)?.intValue,
                                padID: (pad["pad_id"] as? NSNumber)?.intValue ?? 0,
                                left: (pad["direction"] as? String) == "Left")
        }
        p.postProcessor = try postProcessor(root["post_processor"], "$.post_processor")
        if let tr = root["truncation"] as? [String: Any] {
            p.truncation = Truncation(maxLength: try int(tr, "max_length", "$.truncation"),
                                      left: (tr["direction"] as? String) == "Left")
        }
        return p
    }
}

extension _Pipeline {
    /// Assembles a pipeline: the id → token tables and the added-token matchers. `output` gives
    /// a token's bytes in decoded output when the default (byte-level map, byte token, or the
    /// decoder on the token alone) is not right; `decodeString` rewrites the string the decoder
    /// starts from.
    static func make(added: [_AddedToken], normalizer: _Normalizer?, preTokenizer: _PreTokenizer?,
                     model: _PipelineModel, decoder: _Decoder?, vocab: [[UInt8]: Int], byteLevel: Bool,
                     rawOutputs: _TokenTable? = nil,
                     output: ((Int, [UInt8]) -> [UInt8])? = nil,
                     decodeString: ((Int, [UInt8]) -> [UInt8])? = nil) throws(TokError) -> _Pipeline {
        let limit = Swift.max((vocab.values.max() ?? -1) + 1, (added.map(\.id).max() ?? -1) + 1)
        var tokens = [[UInt8]?](repeating: nil, count: limit)
        for (k, id) in vocab { tokens[id] = k }
        return try make(added: added, normalizer: normalizer, preTokenizer: preTokenizer, model: model, decoder: decoder,
                        tokens: _TokenTable(tokens), byteLevel: byteLevel, rawOutputs: rawOutputs, output: output,
                        decodeString: decodeString)
    }

    /// ``make(added:normalizer:preTokenizer:model:decoder:vocab:byteLevel:output:decodeString:)``
    /// from the token strings by id (absent for ids without one).
    static func make(added: [_AddedToken], normalizer: _Normalizer?, preTokenizer: _PreTokenizer?,
                     model: _PipelineModel, decoder: _Decoder?, tokens ordinary: consuming _TokenTable, byteLevel: Bool,
                     rawOutputs: consuming _TokenTable? = nil,
                     output: ((Int, [UInt8]) -> [UInt8])? = nil,
                     decodeString: ((Int, [UInt8]) -> [UInt8])? = nil) throws(TokError) -> _Pipeline {
        let limit = Swift.max(ordinary.count, (added.map(\.id).max() ?? -1) + 1)
        var addedByID: [Int: _AddedToken] = [:]
        for a in added { addedByID[a.id] = a }
        // A byte-level BPE has already mapped its tokens back to bytes (rawOutputs).
        // One whose every ordinary token spells distinct, non-empty bytes already has the index
        // (bytes → id): take it instead of building the same map again.
        var shared: _ByteMap? = nil
        if case .bpe(let b) = model, b.byteLevel, output == nil, let raw = b.rawIndex, let r = rawOutputs,
           !added.contains(where: { ordinary.contains($0.id) }),
           (0..<ordinary.count).allSatisfy({ !ordinary.contains($0) || (r.length($0) ?? 0) > 0 }) {
            shared = raw
        }
        if shared != nil && decodeString == nil {
            // Then the tables are the loader's own, extended by the added tokens (which come
            // after every ordinary id): no second copy of a large vocabulary.
            var tokens = consume ordinary
            var outputs = (consume rawOutputs) ?? _TokenTable()
            var maxLen = 1
            for id in 0..<outputs.count { maxLen = Swift.max(maxLen, outputs.length(id) ?? 0) }
            while outputs.count < tokens.count { outputs.append(nil) }
            for id in tokens.count..<limit {
                let a = addedByID[id]
                tokens.append(a?.content)
                outputs.append(a?.content)
                if let a { maxLen = Swift.max(maxLen, a.content.count) }
            }
            return _Pipeline(added: added, addedRaw: _AddedSet(added.filter { !$0.normalized }),
                             addedNormalized: _AddedSet(added.filter { $0.normalized }),
                             addedByID: addedByID, normalizer: normalizer, preTokenizer: preTokenizer, model: model,
                             decoder: decoder, tokens: tokens, tokenOutput: outputs, outputIndex: shared!,
                             otherOutputIDs: [:], maxLen: maxLen)
        }
        let rawOf = rawOutputs ?? _TokenTable()
        let index: _ByteMap
        if let shared { index = shared } else { index = try _ByteMap(expected: limit) }
        var tokens = _TokenTable(), outputs = _TokenTable()
        var maxLen = 1
        // Bytes more than one ordinary token spells (a byte token beside a piece of that byte):
        // the index holds the one the encoder uses, a piece rather than a byte token.
        var others: [[UInt8]: [Int]] = [:]
        var byteTokens = Set<Int>()
        for id in 0..<limit {
            if let a = addedByID[id] {
                tokens.append(decodeString.map { $0(id, a.content) } ?? a.content)
                outputs.append(a.content)
                maxLen = Swift.max(maxLen, a.content.count)
                continue
            }
            guard ordinary.contains(id) else { tokens.append(nil); outputs.append(nil); continue }
            if let f = decodeString {
                tokens.append(f(id, ordinary[id]!))
            } else {
                _ = try ordinary.withBytes(id) { b throws(TokError) in tokens.append(b) }
            }
            if output == nil && byteLevel && rawOf.contains(id) {
                // the common case of a large byte-level vocabulary: no array per token
                let n = try rawOf.withBytes(id) { b throws(TokError) -> Int in
                    outputs.append(b)
                    if shared == nil, !b.isEmpty {
                        if index.get(b) != nil { others[Array(b), default: []].append(id) } else { try index.set(Array(b), id) }
                    }
                    return b.count
                }!
                maxLen = Swift.max(maxLen, n)
                continue
            }
            let t = ordinary[id]!
            let o: [UInt8]
            if let output {
                o = output(id, t)
            } else if byteLevel, let raw = _ByteLevelMap.decode(String(decoding: t, as: UTF8.self)) {
                o = raw
            } else if let b = _Decoder.byteToken(t) {
                o = [b]
            } else {
                o = decoder.map { d in d.apply([t], reference: false).flatMap { $0 } } ?? t
            }
            outputs.append(o)
            maxLen = Swift.max(maxLen, o.count)
            guard shared == nil, !o.isEmpty else { continue }
            if _Decoder.byteToken(t) != nil && o.count == 1 { byteTokens.insert(id) }
            if let first = o.withUnsafeBufferPointer({ index.get($0) }) {
                if byteTokens.contains(first) && !byteTokens.contains(id) {
                    try index.set(o, id)
                    others[o, default: []].append(first)
                } else {
                    others[o, default: []].append(id)
                }
            } else {
                try index.set(o, id)
            }
        }
        return _Pipeline(added: added, addedRaw: _AddedSet(added.filter { !$0.normalized }),
                         addedNormalized: _AddedSet(added.filter { $0.normalized }),
                         addedByID: addedByID, normalizer: normalizer, preTokenizer: preTokenizer, model: model,
                         decoder: decoder, tokens: tokens, tokenOutput: outputs, outputIndex: index,
                         otherOutputIDs: others, maxLen: maxLen)
    }
}

extension Tokenizer {
    /// Loads a Hugging Face `tokenizer.json`: BPE (byte-level or not, byte fallback, merges as
    /// strings or pairs), WordPiece or Unigram, with its normalizer, pre-tokenizer, decoder and
    /// added tokens. `encode(_:allowedSpecial: .all)` matches added tokens as `tokenizers`'
    /// `encode(text, add_special_tokens=False)` does; ``encodeOrdinary(_:)`` matches only the
    /// non-special ones.
    /// - Throws: ``TokError`` naming the file and the JSON path: `.unsupported` for a component
    ///   Tok does not implement, `.malformedVocabulary` for a damaged file.
    public init(huggingFaceFile path: String) throws(TokError) {
        let data = try _readFile(path, what: "tokenizer")
        try self.init(huggingFaceJSON: data, name: URL(fileURLWithPath: path).lastPathComponent, source: path)
    }

    /// Loads `tokenizer.json` contents from memory; `source` names them in errors.
    public init(huggingFaceJSON data: Data, name: String = "tokenizer.json", source: String = "<memory>") throws(TokError) {
        try self.init(huggingFaceBytes: [UInt8](data), name: name, source: source)
    }

    /// The same from bytes (the file loader hands over its only copy of the file).
    init(huggingFaceBytes bytes: consuming [UInt8], name: String, source: String) throws(TokError) {
        let p = try _HFLoader(source: source).load(bytes: consume bytes)
        var specials: [String: Int] = [:]
        for a in p.added where a.special { specials[String(decoding: a.content, as: UTF8.self)] = a.id }
        self.init(units: p, name: name, specialTokens: specials)
    }
}

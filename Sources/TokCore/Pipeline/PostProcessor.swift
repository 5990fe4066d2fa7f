import Foundation

/// Hugging Face's post-processor: the special tokens a `tokenizer.json` puts around one sequence
/// or a pair when the caller asks for them (`encode(text, add_special_tokens=True)`).
///
/// Tok never adds them on its own: `encode` is `add_special_tokens=False`. Apply them with
/// ``apply(_:pair:)`` (ids only; type ids and offsets are not kept).
public struct PostProcessor: Sendable, Equatable {
    /// One item of a template: a sequence (A or B) or the ids of a special token.
    enum Piece: Sendable, Equatable {
        case sequence(second: Bool)
        case special([Int])
    }

    indirect enum Kind: Sendable, Equatable {
        /// TemplateProcessing (and BertProcessing, RobertaProcessing, which are fixed templates).
        case template(single: [Piece], pair: [Piece])
        /// ByteLevel: offsets only, the ids are unchanged.
        case byteLevel
        case sequence([PostProcessor])
    }

    let kind: Kind

    /// The ids with the special tokens around them; with `pair`, the pair template.
    public func apply(_ a: [Int], pair b: [Int]? = nil) -> [Int] {
        switch kind {
        case .byteLevel:
            return b.map { a + $0 } ?? a
        case .template(let single, let pair):
            var out: [Int] = []
            for piece in b == nil ? single : pair {
                switch piece {
                case .sequence(let second): out += second ? (b ?? []) : a
                case .special(let ids): out += ids
                }
            }
            return out
        case .sequence(let steps):
            // each step that adds tokens merges the pair into one sequence for the next
            var first = a, second = b
            for step in steps {
                if case .byteLevel = step.kind { continue }
                first = step.apply(first, pair: second)
                second = nil
            }
            return second.map { first + $0 } ?? first
        }
    }

    /// How many ids ``apply(_:pair:)`` adds (what truncation leaves room for).
    public func addedCount(pair: Bool) -> Int {
        apply([], pair: pair ? [] : nil).count
    }
}

extension Tokenizer {
    /// The post-processor a loaded `tokenizer.json` defines, or nil.
    public var postProcessor: PostProcessor? { (units as? _Pipeline)?.postProcessor }

    /// Whether this tokenizer was loaded from a tokenizer file (Hugging Face, SentencePiece,
    /// Tekken) and encodes through its pipeline of normalizer, pre-tokenizer and model.
    public var isPipeline: Bool { units is _Pipeline }

    /// The pipeline's pre-tokenizer steps in one line, saying which split patterns run on Tok's C
    /// scanners and which on ICU's regex engine (`Split(scanner deepseek, Isolated) → ByteLevel`);
    /// nil when the tokenizer has no pipeline or the pipeline no pre-tokenizer.
    public var preTokenizerSummary: String? { (units as? _Pipeline)?.preTokenizer?.summary }

    /// The pipeline's normalizer steps in one line (`Precompiled → Replace(ICU regex " {2,}" → " ")`);
    /// nil when the tokenizer has no pipeline or the pipeline no normalizer.
    public var normalizerSummary: String? { (units as? _Pipeline)?.normalizer?.summary }
}

extension _HFLoader {
    /// A `post_processor` object (nil for JSON null).
    func postProcessor(_ v: Any?, _ path: String) throws(TokError) -> PostProcessor? {
        guard let v, !(v is NSNull) else { return nil }
        let o = try object(v, path)
        switch try type(o, path) {
        case "TemplateProcessing":
            var specials: [String: [Int]] = [:]
            if let table = o["special_tokens"] as? [String: Any] {
                for (name, entry) in table where name != _JSONReader.pairsKey {
                    let e = try object(entry, "\(path).special_tokens.\(name)")
                    guard let ids = e["ids"] as? [Any] else { throw fail("\(path).special_tokens.\(name).ids", "expected a list of ids") }
                    specials[name] = try ids.enumerated().map { k, x throws(TokError) in
                        guard let n = x as? NSNumber, let i = Int(exactly: n.doubleValue), i >= 0 else {
                            throw fail("\(path).special_tokens.\(name).ids[\(k)]", "expected an id")
                        }
                        return i
                    }
                }
            }
            func template(_ key: String) throws(TokError) -> [PostProcessor.Piece] {
                guard let list = o[key] as? [Any] else { throw fail("\(path).\(key)", "expected a list") }
                return try list.enumerated().map { k, item throws(TokError) in
                    let at = "\(path).\(key)[\(k)]"
                    let p = try object(item, at)
                    if let s = p["Sequence"] as? [String: Any] {
                        switch s["id"] as? String {
                        case "A": return .sequence(second: false)
                        case "B": return .sequence(second: true)
                        default: throw fail("\(at).Sequence.id", "expected A or B")
                        }
                    }
                    if let s = p["SpecialToken"] as? [String: Any], let name = s["id"] as? String {
                        guard let ids = specials[name] else { throw fail("\(at).SpecialToken.id", "\(name.debugDescription) is not in special_tokens") }
                        return .special(ids)
                    }
                    throw fail(at, "expected a Sequence or a SpecialToken")
                }
            }
            return PostProcessor(kind: .template(single: try template("single"), pair: try template("pair")))
        case "BertProcessing", "RobertaProcessing":
            func token(_ key: String) throws(TokError) -> Int {
                guard let pair = o[key] as? [Any], pair.count == 2, let n = pair[1] as? NSNumber,
                      let id = Int(exactly: n.doubleValue), id >= 0 else {
                    throw fail("\(path).\(key)", "expected [token, id]")
                }
                return id
            }
            let cls = PostProcessor.Piece.special([try token("cls")]), sep = PostProcessor.Piece.special([try token("sep")])
            let a = PostProcessor.Piece.sequence(second: false), b = PostProcessor.Piece.sequence(second: true)
            // Bert: [CLS] A [SEP] B [SEP]; Roberta: <s> A </s> </s> B </s>
            let pair = o["type"] as? String == "BertProcessing" ? [cls, a, sep, b, sep] : [cls, a, sep, sep, b, sep]
            return PostProcessor(kind: .template(single: [cls, a, sep], pair: pair))
        case "ByteLevel":
            return PostProcessor(kind: .byteLevel)
        case "Sequence":
            return PostProcessor(kind: .sequence(try steps(o, "processors", path) { v, p throws(TokError) in try postProcessor(v, p) }))
        case let t:
            throw fail("\(path).type", "post-processor \(t) is not supported", .unsupported)
        }
    }
}

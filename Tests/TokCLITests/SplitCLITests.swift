import Foundation
import Testing
import TokTestSupport

/// `tok split`: every format, the byte limit, special tokens, exact JSON input, errors.
@Suite struct SplitCLITests {
    let tok = TestFiles.tokBinary

    func run(_ args: [String], _ input: String) throws -> (status: Int32, out: String, err: String) {
        let r = try runProcess(tok, args, stdin: Array(input.utf8))
        return (r.status, String(decoding: r.out, as: UTF8.self), r.err)
    }

    @Test func wordsFormatEscapes() throws {
        let r = try run(["split"], "Hello, camelCase world!\n\tx\\y")
        #expect(r.status == 0)
        #expect(r.out == "Hello,\n camel\nCase\n world!\n\\n\n\\t\nx\\\\\ny\n")
    }

    @Test func jsonlWithLimitAndBase64() throws {
        let r = try run(["split", "--max-bytes", "2", "--format", "jsonl"], "한a국")
        #expect(r.out == "{\"words_base64\":[\"7ZU=\",\"nGE=\",\"6rU=\",\"rQ==\"]}\n")
        let ok = try run(["split", "--max-bytes", "16", "--format", "jsonl"], "a b")
        #expect(ok.out == "{\"words\":[\"a\",\" b\"]}\n")
    }

    @Test func jsonlInputKeepsMembersAndALeadingBOM() throws {
        let r = try run(["split", "--input", "jsonl", "--format", "jsonl"],
                        "{\"id\": \"x/1\", \"text\": \"\u{FEFF}a b\"}\n\"c d\"\n")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out == "{\"id\":\"x/1\",\"words\":[\"\\ufeff\",\"a\",\" b\"]}\n{\"words\":[\"c\",\" d\"]}\n")
    }

    @Test func offsetsPerLine() throws {
        let r = try run(["split", "--lines", "--format", "offsets"], "a b\nc, d\n")
        #expect(r.out == "0 1 3\n0 2 4\n")
    }

    @Test func paddedRows() throws {
        let r = try run(["split", "--format", "padded", "--max-bytes", "4", "--byte-offset", "3", "--prefix-ids", "1", "--pad-id", "0"], "Hi there")
        #expect(r.out == "1 75 108 0 0\n1 35 119 107 104\n1 117 104 0 0\n")
        // negative ids as plain values (the ignore index -100 of many training loops)
        let neg = try run(["split", "--format", "padded", "--max-bytes", "4", "--pad-id", "-100", "--prefix-ids", "-5,7"], "Hi")
        #expect(neg.status == 0, "\(neg.err)")
        #expect(neg.out == "-5 7 72 105 -100 -100\n")
    }

    /// More words than one band of rows (65,536): every row is written, in order.
    @Test func paddedRowsOfALongText() throws {
        var text = ""
        for i in 0..<70_000 { text += i % 3 == 0 ? " ab" : i % 3 == 1 ? " xyz" : "," }
        let r = try run(["split", "--format", "padded", "--max-bytes", "4"], text)
        #expect(r.status == 0)
        let rows = r.out.split(separator: "\n")
        var back: [UInt8] = []
        for row in rows { back += row.split(separator: " ").compactMap { UInt8($0) }.filter { $0 != 0 } }
        #expect(rows.count > 65_536)
        #expect(back == Array(text.utf8))
    }

    @Test func specialTokens() throws {
        let r = try run(["split", "--special", "<|eot_id|>=128009", "--format", "jsonl"], "Hi<|eot_id|>")
        #expect(r.out == "{\"words\":[\"Hi\",\"<|eot_id|>\"],\"special_ids\":[null,128009]}\n")
    }

    @Test func errors() throws {
        let zero = try run(["split", "--max-bytes", "0"], "x")
        #expect(zero.status != 0 && zero.err.contains("--max-bytes"))
        let negative = try run(["split", "--max-bytes", "-1"], "x")   // said as too small, not as a missing value
        #expect(negative.status != 0 && negative.err.contains("must be at least 1"))
        let padded = try run(["split", "--format", "padded"], "x")
        #expect(padded.status != 0 && padded.err.contains("--max-bytes"))
        let badJSON = try run(["split", "--input", "jsonl"], "{\"text\": \"a\"}\n{\"text\": 5}\n")
        #expect(badJSON.status != 0 && badJSON.err.contains("stdin:2"))
        let overflow = try run(["split", "--format", "padded", "--max-bytes", "2", "--byte-offset", "3"], "abc")
        #expect(overflow.status == 0)  // cut to 2 bytes per word, so it fits
        let special = try run(["split", "--special", "nonsense"], "x")
        #expect(special.status != 0 && special.err.contains("TEXT=ID"))
    }
}

/// Character-level vocabularies from the command line.
@Suite struct CharacterCLITests {
    let tok = TestFiles.tokBinary

    @Test func graphemeVocabularyWorkflow() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-g-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = Array("e\u{301} e\u{301} 👍🏽 👍🏽 x\r\n\r\n".utf8)
        let built = try runProcess(tok, ["vocab", "graphemes"], stdin: text)
        #expect(built.status == 0)
        let vocabFile = dir.appendingPathComponent("g.jsonl")
        try Data(built.out).write(to: vocabFile)
        #expect(String(decoding: built.out, as: UTF8.self).split(separator: "\n").count == 3)
        let enc = try runProcess(tok, ["encode", "--vocab", "graphemes:\(vocabFile.path)"], stdin: text)
        #expect(enc.status == 0, "\(enc.err)")
        let ids = String(decoding: enc.out, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        #expect(ids.filter { $0 >= 0x110000 }.count == 6)   // é ×2, 👍🏽 ×2, CRLF ×2
        let dec = try runProcess(tok, ["decode", "--vocab", "graphemes:\(vocabFile.path)"], stdin: enc.out)
        #expect(dec.out == text)
        let info = try runProcess(tok, ["vocab", "info", "--vocab", "bytes"])
        #expect(String(decoding: info.out, as: UTF8.self).contains("vocabulary size: 259"))
    }
}

/// `tok merge` from the command line.
@Suite struct MergeCLITests {
    let tok = TestFiles.tokBinary

    @Test func mergesAndReportsReduction() throws {
        let input = Array(String(repeating: "the antidisestablishmentarianism cat\n", count: 8).utf8)
        let r = try runProcess(tok, ["merge", "--merges", "3", "--batch", "4", "--show-units"], stdin: input)
        #expect(r.status == 0, "\(r.err)")
        let lines = String(decoding: r.out, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 8)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        let units = first["units"] as! [String]
        #expect(units.joined() == "the antidisestablishmentarianism cat\n")
        #expect(units.count < (first["ids"] as! [Int]).count)
        #expect(r.err.contains("shorter"))
        let bad = try runProcess(tok, ["merge", "--merges", "3", "--reduce", "10%"], stdin: input)
        #expect(bad.status != 0)
        let reduce = try runProcess(tok, ["merge", "--reduce", "30%", "--boundary", "word"], stdin: input)
        #expect(reduce.status == 0 && reduce.err.contains("shorter"))
    }
}

/// `tok probe` from the command line.
@Suite struct ProbeCLITests {
    let tok = TestFiles.tokBinary

    func run(_ args: [String], _ input: String = "") throws -> (status: Int32, out: String, err: String) {
        let r = try runProcess(tok, args, stdin: Array(input.utf8))
        return (r.status, String(decoding: r.out, as: UTF8.self), r.err)
    }

    @Test func countCanonicalDiff() throws {
        let c = try run(["probe", "count", "ab"])
        #expect(c.out.contains("\"count\":\"2\"") && c.out.contains("\"canonical\":[370]"))
        let k = try run(["probe", "canonical"], "15339 220 14957\n9906\n")
        #expect(k.out.split(separator: "\n").count == 2)
        #expect(k.out.contains("\"canonical\":false") && k.out.contains("whitespace-boundary-shift"))
        let d = try run(["probe", "diff", "--input-ids", "791 8415 7731 389 279 5634 13", "--output-ids", "791 5679 7731 389 279 220 8637 13", "--targets", "4-7"])
        #expect(d.status == 0)
        #expect(d.err.contains("1 phantom edit(s), 0 edit(s) outside the targets, 1 in them"))
        let bad = try run(["probe", "diff", "--input-ids", "1 x", "--output-ids", "1"])
        #expect(bad.status != 0 && bad.err.contains("not an id"))
    }

    @Test func makeScoreAudit() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-probe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("c.txt")
        let para = "The quick brown fox jumps over the lazy dog while the patient farmer watches quietly from a distance."
        try Array(repeating: para, count: 20).enumerated().map { "\($0.offset) \($0.element)" }.joined(separator: "\n\n").write(to: corpus, atomically: true, encoding: .utf8)
        let made = try run(["probe", "make", "--corpus", corpus.path, "--targets", "1", "--trials", "4"])
        #expect(made.status == 0, "\(made.err)")
        let trials = made.out.split(separator: "\n")
        #expect(trials.count == 4)
        let trialsFile = dir.appendingPathComponent("t.jsonl"), answersFile = dir.appendingPathComponent("a.jsonl")
        try made.out.write(to: trialsFile, atomically: true, encoding: .utf8)
        var answers: [String] = []
        for (k, line) in trials.enumerated() {
            let t = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let expected = t["expected"] as! String
            let answer = k == 0 ? expected : expected + "!"
            answers.append(String(decoding: try JSONSerialization.data(withJSONObject: ["id": t["id"]!, "output": answer]), as: UTF8.self))
        }
        try answers.joined(separator: "\n").write(to: answersFile, atomically: true, encoding: .utf8)
        let s = try run(["probe", "score", "--format", "json", trialsFile.path, answersFile.path])
        let r = try JSONSerialization.jsonObject(with: Data(s.out.utf8)) as! [String: Any]
        #expect(r["correct"] as? Int == 1 && r["mistake"] as? Int == 3 && r["phantom"] as? Int == 0)
        let a = try run(["probe", "audit", "--format", "json", corpus.path])
        let audit = try JSONSerialization.jsonObject(with: Data(a.out.utf8)) as! [String: Any]
        #expect((audit["words"] as? Int ?? 0) > 300)
        #expect((audit["whitespace-boundary-shift"] as? Int ?? 0) > 0)
    }
}

import Foundation
import Testing
import TokTestSupport

@Suite struct TrainCLITests {
    let tok = TestFiles.tokBinary
    let corpus = TestFiles.fixture("train/corpus.txt.zst").path

    func run(_ args: [String], _ input: [UInt8] = []) throws -> (status: Int32, out: [UInt8], err: String) {
        try runProcess(tok, args, stdin: input)
    }

    func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("tok-train-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func trainsEachFormatAndTheOutputEncodes() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let text = Array("The trained vocabulary encodes this sentence, naïvely. 1910\n".utf8)
        for name in ["v.tiktoken", "v.json", "m.txt"] {
            let out = "\(d)/\(name)"
            let r = try run(["train", "bpe", "--vocab-size", "700", "--pattern", "cl100k", "--special", "<|endoftext|>",
                             "--out", out, corpus])
            #expect(r.status == 0, "\(r.err)")
            #expect(r.err.contains("700 tokens"), "\(r.err)")
            #expect(!FileManager.default.fileExists(atPath: out + ".tmp-\(0)"))
            let data = try Data(contentsOf: URL(fileURLWithPath: out))
            if name.hasSuffix(".txt") {
                let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
                #expect(lines.first == "#version: 0.2")
                #expect(lines.count == 1 + 700 - 257)
                continue
            }
            let args = name.hasSuffix(".json") ? ["--vocab", out] : ["--vocab", out, "--pattern", "cl100k", "--special", "<|endoftext|>=699"]
            let enc = try run(["encode"] + args, text)
            #expect(enc.status == 0, "\(enc.err)")
            let dec = try run(["decode"] + args, enc.out)
            #expect(dec.out == text)
        }
        // A corpus through stdin trains what the same bytes in a file train.
        let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: TestFiles.fixture("train/expected.json"))) as! [String: Any]
        let held = Array((fixture["held_out"] as! String).utf8)
        try Data(held).write(to: URL(fileURLWithPath: "\(d)/held.txt"))
        let fromFile = try run(["train", "bpe", "--vocab-size", "600", "--quiet", "--out", "\(d)/file.json", "\(d)/held.txt"])
        let fromStdin = try run(["train", "bpe", "--vocab-size", "600", "--quiet", "--out", "\(d)/stdin.json"], held)
        #expect(fromFile.status == 0 && fromStdin.status == 0, "\(fromFile.err) \(fromStdin.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(d)/stdin.json")) == Data(contentsOf: URL(fileURLWithPath: "\(d)/file.json")))
    }

    @Test func charBPE() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let out = "\(d)/c.json"
        let r = try run(["train", "char-bpe", "--vocab-size", "3000", "--max-chars", "3", "--pad2", "--special", "<|end|>",
                         "--out", out, corpus])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("4096 tokens"), "\(r.err)")
        let text = Array("Un caractère à la fois,   puis\n\n\n des blocs: 中文 \u{1F600}\n".utf8)
        let enc = try run(["encode", "--vocab", out], text)
        #expect(enc.status == 0, "\(enc.err)")
        #expect(try run(["decode", "--vocab", out], enc.out).out == text)
    }

    @Test func supertokens() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: TestFiles.fixture("train/expected.json"))) as! [String: Any]
        let held = Array((fixture["held_out"] as! String).utf8)
        try Data(held).write(to: URL(fileURLWithPath: "\(d)/held.txt"))
        let out = "\(d)/s.json"
        let r = try run(["train", "supertokens", "--vocab-size", "2000", "--seed", "9", "--held-out", "\(d)/held.txt",
                         "--out", out, corpus])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("with supertokens"), "\(r.err)")
        let enc = try run(["encode", "--vocab", out], held)
        #expect(try run(["decode", "--vocab", out], enc.out).out == held)
    }

    @Test func badInputFailsClearlyAndLeavesAnExistingFileWhole() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let out = "\(d)/keep.json"
        try Data("previous".utf8).write(to: URL(fileURLWithPath: out))
        let cases: [([String], String)] = [
            (["train", "bpe", "--vocab-size", "100", "--out", out, corpus], "smaller than the 256"),
            (["train", "bpe", "--vocab-size", "1000", "--out", out, "\(d)/missing.txt"], "no such file"),
            (["train", "bpe", "--vocab-size", "1000", "--out", out, "\(d)/empty.txt"], "empty"),
            (["train", "bpe", "--vocab-size", "1000", "--out", "\(d)/no/such/dir/v.json", corpus], "no directory"),
            (["train", "bpe", "--vocab-size", "1000", "--out", "\(d)/v.bin", corpus], "cannot tell the format"),
            (["train", "bpe", "--vocab-size", "1000", "--pattern", "none", "--out", "\(d)/v.tiktoken", corpus], "needs a split pattern"),
            (["train", "bpe", "--vocab-size", "1000", "--pattern", "nope", "--out", out, corpus], "unknown pattern"),
            (["train", "char-bpe", "--vocab-size", "1000", "--out", out, corpus], "smaller than the alphabet"),
            (["train", "char-bpe", "--vocab-size", "3000", "--max-token-bytes", "4", "--out", out, corpus], "--max-chars"),
            (["train", "supertokens", "--vocab-size", "1000", "--out", "\(d)/s.tiktoken", corpus], "write .json or .txt"),
            (["train", "supertokens", "--vocab-size", "1000", "--pattern", "gpt2", "--out", out, corpus], "drop --pattern"),
            (["train", "supertokens", "--vocab-size", "1000", "--chunk-lengths", "4-2:1", "--out", out, corpus], "4-2"),
        ]
        try Data().write(to: URL(fileURLWithPath: "\(d)/empty.txt"))
        for (args, message) in cases {
            let r = try run(args)
            #expect(r.status != 0, "\(args)")
            #expect(r.err.contains(message), "\(args): \(r.err)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data("previous".utf8))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: d).sorted() == ["empty.txt", "keep.json"])
    }
}

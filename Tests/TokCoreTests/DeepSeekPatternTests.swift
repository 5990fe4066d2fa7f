import Foundation
import Testing
import TokCore
import TokTestSupport

/// DeepSeek V4's pre-tokenizer (three Isolated Splits) on Tok's C scanners: the pieces tokenizers'
/// `pre_tokenize_str` gives (fixture from tools/make_format_fixtures.py --deepseek-only), for the
/// three together (fused into one scanner), each alone (searched: the text between matches is
/// kept), and the word regex with the other behaviors and inverted.
@Suite struct DeepSeekPatternTests {
    /// A byte-level BPE tokenizer.json with no merges and the given Splits, then ByteLevel
    /// without its regex (as DeepSeek's file has it).
    static func tokenizer(_ splits: [[Any]], steps moreSteps: [[String: Any]] = []) throws -> Tokenizer {
        var vocab: [String: Int] = [:]
        var extra = 0
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            let scalar = printable ? b : 256 + extra
            if !printable { extra += 1 }
            vocab[String(Character(Unicode.Scalar(UInt32(scalar))!))] = b
        }
        let behaviors = ["isolated": "Isolated", "removed": "Removed", "merged_with_previous": "MergedWithPrevious",
                         "merged_with_next": "MergedWithNext", "contiguous": "Contiguous"]
        var steps: [[String: Any]] = splits.map { s -> [String: Any] in
            ["type": "Split", "pattern": ["Regex": s[0] as! String], "behavior": behaviors[s[1] as! String]!,
             "invert": (s[2] as! NSNumber).boolValue]
        }
        steps += moreSteps
        steps.append(["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false])
        let json: [String: Any] = [
            "version": "1.0", "added_tokens": [], "normalizer": NSNull(), "post_processor": NSNull(),
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": steps],
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                      "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                      "vocab": vocab, "merges": []],
        ]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-deepseek-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tokenizer.json")
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        return try Tokenizer(file: file.path)
    }

    @Test func piecesAreTokenizersPieces() throws {
        let variants = try _decompressedFixture("formats/deepseek_pretok.jsonl.zst").split(separator: 0x0A)
            .map { try _readJSONValue(Data($0)) as! [String: Any] }
        #expect(variants.count == 11)
        for (k, v) in variants.enumerated() {
            let splits = v["splits"] as! [[Any]]
            let tok = try Self.tokenizer(splits)
            // Every one of these regexes is recognized: none runs on ICU.
            let summary = tok.preTokenizerSummary ?? ""
            #expect(!summary.contains("ICU"), "\(summary)")
            if k == 0 { #expect(summary.hasPrefix("Split(scanner deepseek, Isolated)"), "\(summary)") }
            let cases = v["cases"] as! [[String: Any]]
            #expect(cases.count > 400)
            var wrong: [String] = []
            for c in cases {
                let text = c["text"] as! String
                let expected = (c["pieces"] as! [[NSNumber]]).map { $0[0].intValue..<$0[1].intValue }
                if tok.preTokenize(bytes: Array(text.utf8)) != expected { wrong.append(text) }
            }
            #expect(wrong.count == 0, "variant \(k) \(splits.map { "\($0[1])\(($0[2] as! NSNumber).boolValue ? " inverted" : "")" }): \(wrong.count) of \(cases.count) differ, first \(wrong.prefix(3).map(\.debugDescription))")
        }
    }

    /// The fused scanner as a tiktoken-style pattern gives the pieces of the three Splits, and
    /// ill-formed bytes are kept (each invalid unit read as U+FFFD, a symbol).
    @Test func fusedPatternMatchesTheSplitsOnRandomBytes() throws {
        let three = try _decompressedFixture("formats/deepseek_pretok.jsonl.zst").split(separator: 0x0A).first!
        let splits = (try _readJSONValue(Data(three)) as! [String: Any])["splits"] as! [[Any]]
        let pipeline = try Self.tokenizer(splits)
        let ranks = try Tokenizer(tiktokenFile: TestFiles.root.appendingPathComponent("vocab/cl100k_base.tiktoken.zst").path,
                                  pattern: .deepseek)
        var rng = SeededRandom(seed: 41)
        let alphabet: [[UInt8]] = ["a", "Z", " ", "\n", "\r", "\t", "1", "٣", "中", "ー", "・", "'", "!", "。", "😀", "\u{301}", "\u{3000}"]
            .map { Array($0.utf8) } + [[0xFF], [0xE4, 0xB8], [0x80], [0xF0, 0x9F, 0x98]]
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0..<24, using: &rng) { bytes += alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
            let pieces = ranks.preTokenize(bytes: bytes)
            #expect(pieces == pipeline.preTokenize(bytes: bytes), "\(bytes)")
            #expect(pieces.map(\.count).reduce(0, +) == bytes.count)
            #expect(try ranks.decodeBytes(ranks.encodeOrdinary(bytes: bytes)) == bytes)
        }
    }
}

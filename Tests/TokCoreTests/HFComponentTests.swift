import Foundation
import Testing
@testable import TokCore
import TokTestSupport

/// tokenizers' own components (BertPreTokenizer, Punctuation, Digits, WhitespaceSplit,
/// StripAccents, BertNormalizer, Lowercase, and NFC/NFD/NFKC/NFKD) use Rust's standard library
/// and old crate tables, not current Unicode; Tok reads their classes off tokenizers
/// (tools/gen_hf_chars.py, tools/gen_hf_normalization.py). Checked
/// against tokenizers on texts over the characters where the two disagree (fixture from
/// tools/make_format_fixtures.py --components-only).
@Suite struct HFComponentTests {
    static func rows() throws -> [[String: Any]] {
        try _decompressedFixture("formats/hf_components.jsonl.zst").split(separator: 0x0A)
            .map { try _readJSONValue(Data($0)) as! [String: Any] }
    }

    @Test(arguments: [("bert", "BertPreTokenizer"), ("punctuation", "Punctuation"), ("digits", "Digits"),
                      ("whitespace_split", "WhitespaceSplit"), ("char_delimiter", "CharDelimiterSplit"),
                      ("fixed_length", "FixedLength"), ("digit_runs", "Digits runs"), ("punctuation_removed", "Punctuation removed")])
    func preTokenizerPieces(key: String, type: String) throws {
        var step: [String: Any] = ["type": String(type.split(separator: " ")[0])]
        if type == "Digits" { step["individual_digits"] = true }
        if type == "Digits runs" { step["individual_digits"] = false }
        if type == "Punctuation" { step["behavior"] = "Isolated" }
        if type == "Punctuation removed" { step["behavior"] = "Removed" }
        if type == "CharDelimiterSplit" { step["delimiter"] = "-" }
        if type == "FixedLength" { step["length"] = 3 }
        let tok = try DeepSeekPatternTests.tokenizer([], steps: [step])
        let rows = try Self.rows()
        #expect(rows.count > 900)
        var wrong: [String] = []
        for r in rows {
            let text = r["text"] as! String
            let expected = (r[key] as! [[NSNumber]]).map { $0[0].intValue..<$0[1].intValue }
            if tok.preTokenize(bytes: Array(text.utf8)) != expected { wrong.append(text) }
        }
        #expect(wrong.count == 0, "\(type): \(wrong.count) differ, first \(wrong.prefix(3).map(\.debugDescription))")
    }

    /// The Precompiled normalizer alone (SentencePiece's nmt_nfkc map in a tokenizer.json), with
    /// its grapheme rule: a cluster under 6 bytes is replaced whole by the first match.
    @Test func precompiledNormalizer() throws {
        let tok = try Tokenizer(file: TestFiles.fixture("formats/hf_precompiled.tokenizer.json.zst").path)
        #expect(tok.normalizerSummary == #"Precompiled → Replace(ICU regex " {2,}" → " ")"#)
        guard case .sequence(let steps)? = (tok.units as? _Pipeline)?.normalizer, case .precompiled(let map)? = steps.first else {
            Issue.record("the normalizer is not Sequence[Precompiled, …]")
            return
        }
        var wrong: [String] = []
        let rows = try TestFiles.jsonLines("formats/hf_precompiled.jsonl")
        #expect(rows.count > 1000)
        for r in rows {
            let text = r["text"] as! String
            let bytes = Array(text.utf8)
            let out = _Normalizer.precompiled(_Text(bytes: bytes, origin: Array(0..<bytes.count)), map)
            if String(decoding: out.bytes, as: UTF8.self) != r["normalized"] as! String { wrong.append(text) }
        }
        #expect(wrong.count == 0, "\(wrong.count) differ, first \(wrong.prefix(3).map(\.debugDescription))")
    }

    @Test(arguments: ["strip_accents", "bert_normalizer", "lowercase", "nfc", "nfd", "nfkc", "nfkd", "nmt"])
    func normalizerOutput(key: String) throws {
        let n: _Normalizer
        switch key {
        case "strip_accents": n = .stripAccents
        case "lowercase": n = .lowercase
        case "nfc": n = .unicode(0)
        case "nfd": n = .unicode(1)
        case "nfkc": n = .unicode(2)
        case "nfkd": n = .unicode(3)
        case "nmt": n = .nmt
        default: n = .bert(cleanText: true, chinese: true, stripAccents: true, lowercase: true)
        }
        var wrong: [String] = []
        for r in try Self.rows() {
            let text = r["text"] as! String
            let bytes = Array(text.utf8)
            let out = n.apply(_Text(bytes: bytes, origin: Array(0..<bytes.count)))
            if String(decoding: out.bytes, as: UTF8.self) != r[key] as! String { wrong.append(text) }
        }
        #expect(wrong.count == 0, "\(key): \(wrong.count) differ, first \(wrong.prefix(3).map(\.debugDescription))")
    }
}

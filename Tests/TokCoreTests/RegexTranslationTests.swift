import Foundation
import Testing
import TokCore
import TokTestSupport

/// Split regexes that run on ICU read as Oniguruma (tokenizers' engine) reads them: Unicode 16.0
/// properties (ICU 72 has 15.0), `\d`, `\h`, line anchors; pieces from tokenizers'
/// `pre_tokenize_str` (fixture from tools/make_format_fixtures.py --regex-only). Constructs whose
/// meaning Tok does not translate are refused at load.
@Suite struct RegexTranslationTests {
    @Test func piecesAreTokenizersPieces() throws {
        let rows = try _decompressedFixture("formats/hf_regex.jsonl.zst").split(separator: 0x0A)
            .map { try _readJSONValue(Data($0)) as! [String: Any] }
        #expect(rows.count == 31)
        for row in rows {
            let tok: Tokenizer, regex: String
            if let step = row["pre_tokenizer"] as? [String: Any] {
                regex = "\(step)"
                tok = try DeepSeekPatternTests.tokenizer([], steps: [step])
            } else {
                regex = row["regex"] as! String
                tok = try DeepSeekPatternTests.tokenizer([[regex, "isolated", NSNumber(value: false)]])
                // GPT-2's regex runs on the r50k scanner; every other one here on ICU.
                let onScanner = regex.hasPrefix("'s|'t|")
                #expect(tok.preTokenizerSummary?.contains(onScanner ? "scanner r50k" : "ICU regex") == true, "\(regex)")
            }
            var wrong: [String] = []
            let cases = row["cases"] as! [[String: Any]]
            for c in cases {
                let text = c["text"] as! String
                let expected = (c["pieces"] as! [[NSNumber]]).map { $0[0].intValue..<$0[1].intValue }
                if tok.preTokenize(bytes: Array(text.utf8)) != expected { wrong.append(text) }
            }
            #expect(wrong.count == 0, "\(regex): \(wrong.count) of \(cases.count) differ, first \(wrong.prefix(3).map(\.debugDescription))")
        }
    }

    @Test func constructsWithAnotherMeaningAreRefused() throws {
        for regex in [#"\bx"#, #"a\B"#, #"[[:alpha:]]+"#, #"\pL"#, #"\X"#, #"\p{Alphabetic}"#, #"(?m)a.b"#, #"(?im:a.b)"#] {
            #expect(throws: TokError.self, "\(regex)") {
                _ = try DeepSeekPatternTests.tokenizer([[regex, "isolated", NSNumber(value: false)]])
            }
            do {
                _ = try DeepSeekPatternTests.tokenizer([[regex, "isolated", NSNumber(value: false)]])
            } catch let e as TokError {
                #expect(e.code == .unsupported && "\(e)".contains("pre_tokenizer"), "\(e)")
            }
        }
        // A class that merely starts with ':' is not a POSIX bracket.
        _ = try DeepSeekPatternTests.tokenizer([[#"[:;]+"#, "isolated", NSNumber(value: false)]])
    }
}

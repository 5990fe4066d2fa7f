import Foundation
import ArgumentParser
import TokCore

struct VocabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vocab",
        abstract: "Inspect a vocabulary.",
        discussion: """
            Examples:
              tok vocab info --vocab o200k_base
              tok vocab show 9906 100257                  # id, the token as JSON text, its bytes in hex
              tok vocab find ' hello'                     # is it one token? how does it encode?
              tok vocab graphemes corpus.txt > g.jsonl    # a grapheme vocabulary for --vocab graphemes:g.jsonl
            """,
        subcommands: [Info.self, Show.self, Find.self, Graphemes.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Name, sizes, pattern and special tokens.")
        @OptionGroup var vocab: VocabOptions
        func run() throws {
            try reportingErrors {
                let start = DispatchTime.now().uptimeNanoseconds
                let t = try vocab.load()
                let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                print("name: \(t.name)")
                print("load time: \(String(format: "%.1f", ms)) ms")
                if let p = t.pattern {
                    print("pattern: \(p.rawValue)")
                    print("regex: \(p.regex)")
                    print("mergeable tokens: \(t.mergeableCount)")
                } else if t.isPipeline {
                    print("model: tokenizer file pipeline (normalizer, pre-tokenizer, model)")
                    print("ordinary ids: 0..<\(t.mergeableCount)")
                    if let n = t.normalizerSummary { print("normalizer: \(n)") }
                    if let p = t.preTokenizerSummary { print("pre-tokenizer: \(p)") }
                    if let p = t.postProcessor {
                        print("post-processor: adds \(p.addedCount(pair: false)) ids to a text, \(p.addedCount(pair: true)) to a pair (--add-special-tokens)")
                    }
                } else {
                    print("model: character-level (\(t.name))")
                    print("ordinary ids: 0..<\(t.mergeableCount)")
                }
                print("vocabulary size: \(t.vocabularySize)")
                print("longest token: \(t.maxTokenLength) bytes")
                print("special tokens: \(t.specialTokens.count)")
                for (s, id) in t.specialTokens.sorted(by: { $0.value < $1.value }) { print("  \(id)\t\(s)") }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the bytes of token ids.")
        @OptionGroup var vocab: VocabOptions
        @Argument(help: "Token ids.") var ids: [Int]
        func run() throws {
            try reportingErrors {
                let t = try vocab.load()
                for id in ids {
                    let b = try t.tokenBytes(id)
                    print("\(id)\t\(jsonString(b))\t\(b.map { String(format: "%02x", $0) }.joined(separator: " "))")
                }
            }
        }
    }

    struct Find: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Find the token for a text, or how it encodes.")
        @OptionGroup var vocab: VocabOptions
        @Argument(help: "The text (escape sequences are not interpreted).") var text: String
        func run() throws {
            try reportingErrors {
                let t = try vocab.load()
                if let id = t.id(forBytes: text.utf8) {
                    print("\(id)\t\(jsonString(Array(text.utf8)))")
                } else if let id = t.specialTokenID(text) {
                    print("\(id)\t\(jsonString(Array(text.utf8)))\tspecial")
                } else {
                    let ids = t.encodeOrdinary(text)
                    print("not a single token; encodes as \(ids.count) tokens: \(ids.map(String.init).joined(separator: " "))")
                }
            }
        }
    }

    struct Graphemes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a grapheme vocabulary: the multi-scalar grapheme clusters of the input, most frequent first.",
            discussion: """
                One JSON string per line, for `tok encode --vocab graphemes:FILE`: each cluster there
                becomes one id (0x110000 + its line index); clusters of one scalar need no entry.
                """)
        @Option(help: "Keep clusters seen at least this many times.") var minCount = 2
        @Option(help: "Keep at most this many clusters.") var max: Int?
        @Argument(help: "Files (default: standard input).") var files: [String] = []
        func run() throws {
            try reportingErrors {
                let t = try Tokenizer.graphemes()
                var counts: [[UInt8]: Int] = [:]
                for path in files.isEmpty ? ["-"] : files {
                    let data = try readAll(path: path)
                    for r in t.preTokenize(bytes: data) where r.count > 1 {
                        let unit = Array(data[r])
                        // Several scalars (one scalar needs no entry; ill-formed bytes never form a cluster).
                        if String(validating: unit, as: UTF8.self).map({ $0.unicodeScalars.count > 1 }) == true {
                            counts[unit, default: 0] += 1
                        }
                    }
                }
                var kept = counts.filter { $0.value >= minCount }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key) }
                if let max { kept = Array(kept.prefix(max)) }
                let out = Output()
                for (unit, _) in kept { out.writeJSONString(validUTF8: unit); out.byte(0x0A) }
                out.flush()
            }
        }
    }
}

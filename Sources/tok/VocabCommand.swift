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
            """,
        subcommands: [Info.self, Show.self, Find.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Name, sizes, pattern and special tokens.")
        @OptionGroup var vocab: VocabOptions
        func run() throws {
            try reportingErrors {
                let t = try vocab.load()
                print("name: \(t.name)")
                print("pattern: \(t.pattern.rawValue)")
                print("regex: \(t.pattern.regex)")
                print("mergeable tokens: \(t.mergeableCount)")
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
}

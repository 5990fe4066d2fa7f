import ArgumentParser

@main
struct Tok: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tok",
        abstract: "Byte-level tokenization: encode, decode and inspect tiktoken-style vocabularies.",
        discussion: """
            Examples:
              echo 'Hello, world!' | tok encode                  # 9906 11 1917 4999
              echo 'Hello, world!' | tok encode | tok decode     # Hello, world!
              tok count --vocab o200k_base README.md
              tok vocab show 9906 --vocab cl100k_base
            """,
        version: "0.1.0",
        subcommands: [Encode.self, Decode.self, Count.self, Split.self, Merge.self, Probe.self, LM.self, Analyze.self, VocabCommand.self])
}

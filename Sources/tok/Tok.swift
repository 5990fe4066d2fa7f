import ArgumentParser

@main
struct Tok: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tok",
        abstract: "Byte-level and hierarchical tokenization: encode, decode, split into words, merge, probe.",
        discussion: """
            Examples:
              echo 'Hello, world!' | tok encode                  # 9906 11 1917 4999
              echo 'Hello, world!' | tok encode | tok decode     # Hello, world!
              tok count --vocab o200k_base README.md
              tok vocab show 9906 --vocab cl100k_base
              echo 'Hello, camelCase world!' | tok split         # HAT words, one per line
              printf 'Hi' | tok encode --vocab bytes             # 75 108 (ByT5 ids)
              tok merge --merges 100 corpus.txt                  # dynamic batch-level BPE
              tok probe count ' tokenizer'                       # 331 ways to spell it
              tok lm next-bytes --model m.tokngram 'The quick bro'
              tok train bpe --vocab-size 8000 --out v.json corpus.txt  # byte-level BPE, as tokenizers trains it
            """,
        version: "0.1.0",
        subcommands: [Encode.self, Decode.self, Count.self, Split.self, Merge.self, Probe.self, LM.self, Analyze.self, Train.self, VocabCommand.self])
}

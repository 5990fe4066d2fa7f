import ArgumentParser
import Foundation
import TokByteLevel
import TokCore

struct LM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm",
        abstract: "Byte-level probabilities from a token-level model (a token n-gram model estimated by Tok).",
        discussion: """
            Examples:
              tok lm train --vocab cl100k_base --order 3 corpus.txt -o model.tokngram
              tok lm next-bytes --model model.tokngram 'The quick bro'
              tok lm generate --model model.tokngram --bytes 200 --prompt 'Once upon a ti'
            """,
        subcommands: [Train.self, NextBytes.self, Generate.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Estimate a token n-gram model from text files.")
        @OptionGroup var vocab: VocabOptions
        @Option(help: "The n in n-gram.") var order = 3
        @Option(name: .shortAndLong, help: "Output model file.") var output: String
        @Argument(help: "Training text files.") var files: [String]
        func run() throws {
            try reportingErrors {
                let tok = try vocab.load()
                var ids: [Int] = []
                for f in files { ids += tok.encodeOrdinary(bytes: try readAll(path: f)) }
                let m = try TokenNGramModel(ids: ids, order: order, vocabularySize: tok.vocabularySize)
                let data = Data(m.serialized(tokenizerName: vocab.vocab))
                guard FileManager.default.createFile(atPath: output, contents: data) else { throw CLIError("cannot write \(output)") }
                stderrWrite("tok lm train: \(ids.count) tokens, order \(order) -> \(output)\n")
            }
        }
    }

    static func load(_ path: String) throws -> (Tokenizer, TokenNGramModel) {
        let (m, vocabName) = try TokenNGramModel.load(try readAll(path: path), source: path)
        let tok = try loadTokenizer(vocabName, pattern: nil, special: [])
        guard tok.vocabularySize == m.vocabularySize else {
            throw CLIError("\(path) was trained with a vocabulary of \(m.vocabularySize) ids, \(vocabName) has \(tok.vocabularySize)")
        }
        return (tok, m)
    }

    struct NextBytes: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "next-bytes", abstract: "The most likely next bytes after a prefix, exactly.")
        @Option(help: "Model file (from tok lm train).") var model: String
        @Option(help: "How many bytes to show.") var top = 10
        @Argument(help: "The prefix (may end inside a token or a word).") var prefix: String
        func run() throws {
            try reportingErrors {
                let (tok, m) = try LM.load(model)
                let bl = ByteLevelModel(tokenizer: tok, model: m)
                let d = try bl.nextByteDistribution(prefix: Array(prefix.utf8))
                for (b, p) in d.bytes.enumerated().sorted(by: { $0.element > $1.element }).prefix(top) {
                    let shown = b >= 0x20 && b < 0x7F ? String(UnicodeScalar(UInt8(b))) : String(format: "\\x%02x", b)
                    print(String(format: "%@\t%.6f", shown.debugDescription, p))
                }
            }
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sample text byte by byte from the model.")
        @Option(help: "Model file (from tok lm train).") var model: String
        @Option(help: "Bytes to generate.") var bytes = 100
        @Option(help: "Text to continue (may end inside a token).") var prompt = ""
        @Option(help: "Random seed.") var seed: UInt64 = 1
        func run() throws {
            try reportingErrors {
                let (tok, m) = try LM.load(model)
                var s = ByteSampler(tokenizer: tok, model: m, prompt: Array(prompt.utf8))
                var rng = SplitMix(seed)
                let start = Date()
                var n = 0
                while n < bytes, try s.next(using: &rng) != nil { n += 1 }
                let t = Date().timeIntervalSince(start)
                FileHandle.standardOutput.write(Data(s.bytes))
                print()
                var naive = 0
                for k in 0..<n { naive += ByteSampler<TokenNGramModel>.naiveContexts(prefixLength: prompt.utf8.count + k, maxTokenLength: tok.maxTokenLength) }
                stderrWrite(String(format: "tok lm generate: %d bytes; model contexts %d (%.2f per byte; %.2f per byte before the cache; naive, one per split point: %.1f per byte); %.1f ms per byte\n",
                                   n, s.modelCalls, n == 0 ? 0 : Double(s.modelCalls) / Double(n),
                                   n == 0 ? 0 : Double(s.contextsNeeded) / Double(n), n == 0 ? 0 : Double(naive) / Double(n),
                                   n == 0 ? 0 : 1000 * t / Double(n)))
            }
        }
    }
}

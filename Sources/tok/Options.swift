import ArgumentParser
import Foundation
import TokCore

/// Which vocabulary to use: a built-in name or a `.tiktoken` file with its pattern.
struct VocabOptions: ParsableArguments {
    @Option(name: .long, help: "A built-in vocabulary (r50k_base, cl100k_base, o200k_base), a character-level one (bytes, chars, graphemes, graphemes:VOCAB.jsonl) a tokenizer file (Hugging Face tokenizer.json, SentencePiece .model, Mistral Tekken .json: the format is detected) or a .tiktoken file (.zst ok) with --pattern.")
    var vocab: String = "cl100k_base"

    @Option(name: .long, help: "Split pattern for a vocabulary file: r50k, cl100k, o200k, llama3, qwen2, qwen3.5.")
    var pattern: String?

    @Option(name: .long, parsing: .upToNextOption,
            help: "Special tokens of a vocabulary file, as TEXT=ID (e.g. '<|endoftext|>=100257').")
    var special: [String] = []

    func load() throws -> Tokenizer { try loadTokenizer(vocab, pattern: pattern, special: special) }
}

/// A built-in vocabulary by name, or a `.tiktoken` file with its pattern and special tokens.
func loadTokenizer(_ vocab: String, pattern: String?, special: [String]) throws -> Tokenizer {
        if ["bytes", "chars", "scalars", "graphemes"].contains(vocab) || vocab.hasPrefix("graphemes:") {
            if pattern != nil { throw CLIError("--pattern applies to vocabulary files, not to the character-level '\(vocab)'") }
            return try loadCharacterTokenizer(vocab, special: special)
        }
        if Tokenizer.builtInNames.contains(vocab) || ["gpt2", "r50k", "cl100k", "o200k"].contains(vocab) {
            if pattern != nil || !special.isEmpty {
                throw CLIError("--pattern and --special apply to vocabulary files, not to the built-in '\(vocab)'")
            }
            return try Tokenizer(named: vocab)
        }
        guard let name = pattern else {
            if FileManager.default.fileExists(atPath: vocab) {
                if !special.isEmpty { throw CLIError("--special applies to .tiktoken files; '\(vocab)' defines its own") }
                return try Tokenizer(file: vocab)
            }
            if vocab.contains("/") || vocab.contains(".") {
                throw CLIError("no such file: '\(vocab)' (and no built-in vocabulary has this name: \(Tokenizer.builtInNames.sorted().joined(separator: ", ")))")
            }
            throw CLIError("'\(vocab)' is not a built-in vocabulary (\(Tokenizer.builtInNames.sorted().joined(separator: ", "))); for a .tiktoken file, give its path and split pattern with --pattern (\(SplitPattern.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let p = SplitPattern(name: name) else { throw CLIError("unknown pattern '\(name)'") }
        return try Tokenizer(tiktokenFile: vocab, pattern: p, specialTokens: try parseSpecialTokens(special))
}

/// `bytes` (ByT5 ids), `chars` (Unicode scalars), `graphemes` or `graphemes:FILE` (a grapheme
/// vocabulary: one JSON string per line, the line number − 1 is its index). --special adds
/// special tokens (for bytes: replacing ByT5's pad/eos/unk).
func loadCharacterTokenizer(_ vocab: String, special: [String]) throws -> Tokenizer {
    let specials = try parseSpecialTokens(special)
    switch vocab {
    case "bytes": return special.isEmpty ? try Tokenizer.bytes() : try Tokenizer.bytes(specialTokens: specials)
    case "chars", "scalars": return try Tokenizer.scalars(specialTokens: specials)
    case "graphemes": return try Tokenizer.graphemes(specialTokens: specials)
    default:
        let path = String(vocab.dropFirst("graphemes:".count))
        let entries = try readJSONLRecords(path: path, field: "text").map { String(decoding: $0.text, as: UTF8.self) }
        return try Tokenizer.graphemes(vocabulary: entries, specialTokens: specials)
    }
}

/// `--special TEXT=ID` options as a dictionary (the text may itself contain `=`).
func parseSpecialTokens(_ options: [String]) throws -> [String: Int] {
    var out: [String: Int] = [:]
    for s in options {
        guard let eq = s.lastIndex(of: "="), eq != s.startIndex, let id = Int(s[s.index(after: eq)...]) else {
            throw CLIError("--special expects TEXT=ID, got '\(s)'")
        }
        out[String(s[..<eq])] = id
    }
    return out
}

/// How ids are written (encode) or read (decode).
enum IDFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, jsonl, u16, u32
}

/// How input text arrives.
enum InputFormat: String, ExpressibleByArgument, CaseIterable {
    case raw, jsonl
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Runs a subcommand body, turning errors into `tok: error: …` on stderr and exit code 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as TokError {
        let hint = e.code == .disallowedSpecialToken
            ? "; pass --allow-special all to recognize it, or --special-as-text to encode it as text" : ""
        stderrWrite("tok: error: \(e.description)\(hint)\n")
        throw ExitCode(1)
    } catch let e as CLIError {
        stderrWrite("tok: error: \(e.description)\n")
        throw ExitCode(1)
    }
}

/// Parses --allow-special: `all`, `none`, or a comma-separated list.
func parseSpecialSet(_ s: String?) -> SpecialTokenSet {
    guard let s else { return .none }
    switch s {
    case "all": return .all
    case "none", "": return .none
    default: return .only(Set(s.split(separator: ",").map(String.init)))
    }
}

import ArgumentParser
import Foundation
import TokCore
import TokTrain
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `tok train`: trains vocabularies.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a tokenizer vocabulary on a corpus.",
        subcommands: [TrainBPE.self, TrainCharBPE.self, TrainSuperBPE.self, TrainSupertokens.self])
}

/// `tok train bpe`: byte-level BPE as Hugging Face's BpeTrainer makes it.
struct TrainBPE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bpe",
        abstract: "Train a byte-level BPE vocabulary (merges identical to Hugging Face tokenizers' BpeTrainer).",
        discussion: """
            Reads files, directories (every file below them) or standard input line by line, cuts
            each line into pieces with the pattern, and merges the most frequent pair of tokens until
            the vocabulary has --vocab-size tokens (special tokens + 256 bytes + merges). Ties go to
            the pair of smallest ids, as in tokenizers. Output by --format or the file's extension:
              .tiktoken  ranks (base64 token, rank); special tokens follow the last rank
              .json      a Hugging Face tokenizer.json (loads in tokenizers and in tok)
              .txt       a merges.txt list
            Examples:
              tok train bpe --vocab-size 32000 --out en.tiktoken corpus/
              tok train bpe --vocab-size 8000 --pattern cl100k --special '<|endoftext|>' --out t.json a.txt b.txt
            """)

    @OptionGroup var o: TrainOptions

    func run() throws {
        try reportingErrors {
            let (trainer, fmt) = try o.trainer()
            let result = try o.withProgress { try trainer.train(files: o.paths, progress: $0) }
            try o.write(result, format: fmt)
        }
    }
}

/// `tok train char-bpe`: BPE whose tokens are at most N characters, every byte still encodable.
struct TrainCharBPE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "char-bpe",
        abstract: "Train a character-level BPE vocabulary: tokens of at most --max-chars characters (as the KL3M char tokenizers).",
        discussion: """
            The alphabet is every character of the (NFKC-normalized) corpus plus --alphabet, cut to
            the --alphabet-limit most frequent; each alphabet character becomes one token by merges
            of its UTF-8 bytes, and all 256 bytes stay in the vocabulary, so any input encodes. Then
            pairs merge by frequency while the merged token has at most --max-chars characters:
            with the whole corpus as the alphabet, the same merges as tokenizers' BpeTrainer on
            characters with max_token_length = max-chars + 1. --pad-pow2 then adds runs of spaces
            and newlines until the vocabulary size is a power of two.
            Examples:
              tok train char-bpe --vocab-size 4096 --max-chars 3 --out char4k.tiktoken corpus/
              tok train char-bpe --vocab-size 8000 --pad-pow2 --special '<|end|>' --out char8k.json corpus.txt
            """)

    @OptionGroup var o: TrainOptions

    @Option(name: .long, help: "Longest token in characters.")
    var maxChars: Int = 4

    @Option(name: .long, help: "Characters that are tokens even when the corpus lacks them (a string).")
    var alphabet: String = ""

    @Option(name: .long, help: "At most this many alphabet characters (the --alphabet ones first, then the most frequent).")
    var alphabetLimit: Int?

    @Flag(name: .long, help: "Pad the vocabulary to the next power of two with whitespace-run tokens.")
    var pad2 = false

    func run() throws {
        try reportingErrors {
            guard o.maxTokenBytes == nil else { throw CLIError("char-bpe limits tokens in characters: use --max-chars, not --max-token-bytes") }
            let (bpe, fmt) = try o.trainer()
            var trainer = CharBPETrainer(vocabularySize: o.vocabSize, maxCharacters: maxChars, pattern: bpe.pattern,
                                         minFrequency: bpe.minFrequency, specialTokens: bpe.specialTokens,
                                         normalization: try o.normalization(default: .nfkc),
                                         alphabet: Array(alphabet.unicodeScalars), alphabetLimit: alphabetLimit,
                                         padToPowerOfTwo: pad2)
            trainer.threads = bpe.threads
            let result = try o.withProgress { try trainer.train(files: o.paths, progress: $0) }
            try o.write(result, format: fmt)
        }
    }
}

/// `tok train superbpe`: SuperBPE's two stages.
struct TrainSuperBPE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "superbpe",
        abstract: "Train a SuperBPE vocabulary: BPE up to --transition, then tokens that span words.",
        discussion: """
            Stage 1 is `tok train bpe` up to the transition vocabulary size. Stage 2 cuts the corpus
            again with the superword pattern (only digit groups, runs of 2+ symbols and runs of 2+
            whitespace are isolated), encodes each piece with the stage-1 merges and keeps merging,
            allowing at most --max-words words per token and no token containing ": ". The output
            encodes with the superword pattern (--pattern superword for a .tiktoken file).
            Example:
              tok train superbpe --vocab-size 32000 --transition 24000 --out super.json corpus.txt
            """)

    @OptionGroup var o: TrainOptions

    @Option(name: .long, help: "Vocabulary size where stage 1 (ordinary BPE) stops.")
    var transition: Int

    @Option(name: .long, help: "At most this many words in a token.")
    var maxWords: Int = 4

    @Flag(name: .long, help: "Allow tokens that contain \": \" (SuperBPE refuses them).")
    var allowColonSpace = false

    @Option(name: .long, help: "Held-out text: report bytes per token before (stage 1) and after supertokens.")
    var heldOut: String?

    func run() throws {
        try reportingErrors {
            let (bpe, fmt) = try o.trainer()
            guard let pattern = bpe.pattern else { throw CLIError("SuperBPE's first stage needs a split pattern") }
            var trainer = SuperBPETrainer(vocabularySize: o.vocabSize, transition: transition,
                                          pattern: pattern, maxWordsPerToken: maxWords,
                                          forbidColonSpace: !allowColonSpace, minFrequency: bpe.minFrequency,
                                          specialTokens: bpe.specialTokens, normalization: bpe.normalization)
            trainer.firstStage.threads = bpe.threads
            let result = try o.withProgress { try trainer.train(files: o.paths, progress: $0) }
            try o.write(result.superBPE, format: fmt)
            if let heldOut {
                try reportHeldOut(heldOut, before: result.firstStage, "at the transition", after: result.superBPE)
            }
        }
    }
}

/// `tok train supertokens`: TokenAdapt's supertokens, BPE over random-length chunks.
struct TrainSupertokens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supertokens",
        abstract: "Train TokenAdapt-style supertokens: byte-level BPE over chunks of random lengths, so tokens span words.",
        discussion: """
            The corpus (NFC by default) is cut into chunks whose lengths in characters follow
            --chunk-lengths (bins LOW-HIGH:WEIGHT; default TokenAdapt's Gaussian over 4-23
            characters), drawn from a generator seeded with --seed; each chunk is a piece for BPE,
            with TokenAdapt's defaults --min-frequency 2 and --max-token-bytes 29. The vocabulary
            encodes a text as one piece (no pre-tokenization): write .json or .txt.
            Example:
              tok train supertokens --vocab-size 32000 --out super.json --held-out test.txt corpus/
            """)

    @OptionGroup var o: TrainOptions

    @Option(name: .long, help: "Chunk length bins in characters, LOW-HIGH:WEIGHT,… (default: TokenAdapt's).")
    var chunkLengths: String?

    @Option(name: .long, help: "Seed of the chunk lengths.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Held-out text: report bytes per token of ordinary BPE (gpt2 pattern, same size) and of supertokens.")
    var heldOut: String?

    func run() throws {
        try reportingErrors {
            guard o.pattern == nil else { throw CLIError("supertokens use no pattern (chunks of random lengths): drop --pattern") }
            let fmt = try o.outputFormat()
            guard fmt != "tiktoken" else {
                throw CLIError("supertokens encode a text as one piece, which a .tiktoken file cannot say: write .json or .txt")
            }
            try checkWritable(o.out)
            var trainer = SupertokenTrainer(vocabularySize: o.vocabSize, seed: seed, specialTokens: o.special,
                                            normalization: try o.normalization(default: .nfc))
            if let chunkLengths { trainer.chunkLengths = try ChunkLengthDistribution(parsing: chunkLengths) }
            if let m = o.minFrequency { trainer.minFrequency = m }
            if let m = o.maxTokenBytes { trainer.maxTokenBytes = m }
            if let t = o.threads { trainer.threads = max(1, t) }
            let result = try o.withProgress { try trainer.train(files: o.paths, progress: $0) }
            try o.write(result, format: fmt)
            if let heldOut {
                var plain = BPETrainer(vocabularySize: o.vocabSize, pattern: .r50k, minFrequency: trainer.minFrequency,
                                       specialTokens: o.special, normalization: trainer.normalization)
                plain.threads = trainer.threads
                try reportHeldOut(heldOut, before: plain.train(files: o.paths), "with ordinary BPE", after: result)
            }
        }
    }
}

/// Options every `tok train` command shares.
struct TrainOptions: ParsableArguments {
    @Option(name: .long, help: "Vocabulary size to reach (special tokens + 256 bytes + merged tokens).")
    var vocabSize: Int

    @Option(name: .long, help: "Pre-tokenization pattern: r50k (gpt2, the default), cl100k, o200k, llama3, qwen2, qwen3.5, or none (whole lines).")
    var pattern: String?

    @Option(name: .long, help: "Stop at the first pair seen fewer times (default 0; 2 for supertokens).")
    var minFrequency: Int?

    @Option(name: .long, parsing: .singleValue, help: "A special token (repeatable): takes the next id from 0, is cut out of the corpus.")
    var special: [String] = []

    @Option(name: .long, help: "Normalize the corpus first: none, nfc, nfkc (default: none; nfkc for char-bpe).")
    var normalize: String?

    @Option(name: .long, help: "Longest token in bytes (default: no limit).")
    var maxTokenBytes: Int?

    @Option(name: .long, help: "Threads counting pieces (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "Output file (written to a temporary file, then renamed).")
    var out: String

    @Option(name: .long, help: "Output format: tiktoken, json, merges (default: from --out's extension).")
    var format: String?

    @Flag(name: .long, help: "No progress or summary on stderr.")
    var quiet = false

    @Argument(help: "Corpus files or directories; none or '-' reads standard input.")
    var paths: [String] = []


    /// The byte-level trainer these options describe, and the output format.
    func trainer() throws -> (BPETrainer, String) {
        let pattern = self.pattern ?? "gpt2"
        let pat: SplitPattern?
        if pattern == "none" { pat = nil } else {
            guard let p = SplitPattern(name: pattern) else { throw CLIError("unknown pattern '\(pattern)'") }
            pat = p
        }
        let norm = try normalization(default: .none)
        let fmt = try outputFormat()
        if fmt == "tiktoken" && pat == nil {
            throw CLIError("a .tiktoken vocabulary needs a split pattern; use --format json for --pattern none")
        }
        try checkWritable(out)
        var trainer = BPETrainer(vocabularySize: vocabSize, pattern: pat, minFrequency: minFrequency ?? 0,
                                 specialTokens: special, normalization: norm, maxTokenBytes: maxTokenBytes)
        if let threads { trainer.threads = max(1, threads) }
        return (trainer, fmt)
    }

    /// --normalize, or the command's default.
    func normalization(default d: BPETrainer.Normalization) throws -> BPETrainer.Normalization {
        guard let normalize else { return d }
        guard let norm = BPETrainer.Normalization(rawValue: normalize) else {
            throw CLIError("--normalize expects none, nfc or nfkc, got '\(normalize)'")
        }
        return norm
    }

    /// Writes the vocabulary and, unless quiet, a summary line.
    func write(_ result: TrainedBPE, format fmt: String) throws {
        let bytes: [UInt8]
        switch fmt {
        case "tiktoken": bytes = result.tiktokenFile()
        case "json": bytes = Array(result.huggingFaceJSON().utf8)
        default: bytes = Array(result.mergesText().utf8)
        }
        try writeAtomically(bytes, to: out)
        guard !quiet else { return }
        var line = String(format: "tok train: %d tokens (%d merges) from %.1f MB, %d pieces (%d distinct) → %@",
                          result.tokens.count, result.merges.count, Double(result.corpusBytes) / 1e6,
                          result.corpusPieces, result.distinctPieces, out)
        if result.tokens.count < vocabSize { line += " (the corpus ran out of pairs before \(vocabSize))" }
        if fmt == "tiktoken" {
            line += "; encode with --pattern \(result.pattern?.rawValue ?? "none")"
            if !result.specialTokens.isEmpty {
                line += " --special " + result.specialTokens.map { "'\($0)=\(result.tiktokenSpecialTokens[$0]!)'" }.joined(separator: " ")
            }
        }
        stderrWrite(line + "\n")
    }

    func outputFormat() throws -> String {
        if let format {
            guard ["tiktoken", "json", "merges"].contains(format) else {
                throw CLIError("--format expects tiktoken, json or merges, got '\(format)'")
            }
            return format
        }
        if out.hasSuffix(".tiktoken") { return "tiktoken" }
        if out.hasSuffix(".json") { return "json" }
        if out.hasSuffix(".txt") { return "merges" }
        throw CLIError("cannot tell the format from '\(out)': use a .tiktoken, .json or .txt name, or --format")
    }
}

extension TrainOptions {
    /// Runs a training with the progress line on stderr (unless quiet).
    func withProgress<R>(_ body: (@escaping @Sendable (TrainingProgress) -> Void) throws -> R) throws -> R {
        let bar = ProgressLine(quiet: quiet)
        defer { bar.done() }
        return try body { p in bar.show { trainingProgressText(p) } }
    }
}

/// Prints bytes per token of held-out text before and after supertokens. Each vocabulary encodes
/// as it was trained: on the rank kernel when its tiktoken form says everything (a pattern, no
/// normalization), else through its tokenizer.json.
func reportHeldOut(_ path: String, before: TrainedBPE, _ label: String, after: TrainedBPE) throws {
    let text = try readAll(path: path)
    func count(_ v: TrainedBPE) throws -> Int {
        let tok = v.pattern != nil && v.normalization == .none
            ? try v.tokenizer() : try Tokenizer(huggingFaceJSON: Data(v.huggingFaceJSON().utf8))
        return max(1, try tok.encode(bytes: text).count)
    }
    let (b, a) = (try count(before), try count(after))
    stderrWrite(String(format: "held-out %@: %.3f bytes/token %@ (%d tokens), %.3f with supertokens (%d tokens, %.1f%% fewer)\n",
                       path, Double(text.count) / Double(b), label, b, Double(text.count) / Double(a), a,
                       100 * (1 - Double(a) / Double(b))))
}

/// Fails early (before training) when the output's directory cannot be written.
func checkWritable(_ path: String) throws {
    let dir = (path as NSString).deletingLastPathComponent
    let d = dir.isEmpty ? "." : dir
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: d, isDirectory: &isDir), isDir.boolValue else {
        throw CLIError("cannot write \(path): no directory \(d)")
    }
    guard access(d, W_OK) == 0 else { throw CLIError("cannot write \(path): directory \(d) is not writable") }
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue {
        throw CLIError("cannot write \(path): it is a directory")
    }
}

/// Writes to a temporary file beside `path`, then renames it over `path`: a reader never sees a
/// half-written file and an existing file stays whole when writing fails.
func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let tmp = path + ".tmp-\(getpid())"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))") }
    var off = 0
    var failed: Int32 = 0
    bytes.withUnsafeBytes { b in
        while off < b.count {
            let n = write(fd, b.baseAddress! + off, b.count - off)
            if n < 0 { if errno == EINTR { continue }; failed = errno; break }
            off += n
        }
    }
    if failed == 0 && fsync(fd) != 0 { failed = errno }
    close(fd)
    if failed != 0 || rename(tmp, path) != 0 {
        let why = String(cString: strerror(failed != 0 ? failed : errno))
        unlink(tmp)
        throw CLIError("cannot write \(path): \(why)")
    }
}

/// The training progress line: files and pieces while counting, merges and ETA while merging.
func trainingProgressText(_ p: TrainingProgress) -> String {
    switch p.phase {
    case .counting:
        return String(format: "counting: %d/%d files, %.1f MB, %d pieces, %.1fs",
                      p.filesDone, p.files, Double(p.bytesCounted) / 1e6, p.piecesCounted, p.seconds)
    case .merging:
        let rate = Double(p.merges) / max(p.seconds, 1e-6)
        let eta = rate > 0 ? Double(max(0, p.mergesTarget - p.merges)) / rate : 0
        return String(format: "merging: %d/%d merges, %.0f/s, ETA %.0fs", p.merges, p.mergesTarget, rate, eta)
    }
}

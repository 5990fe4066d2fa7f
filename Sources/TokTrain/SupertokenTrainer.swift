import Foundation
import TokCore

/// A distribution of chunk lengths in characters: bins `lower...upper` with probabilities; a
/// length is drawn by picking a bin by its probability, then a length uniformly inside it.
public struct ChunkLengthDistribution: Sendable, Hashable, CustomStringConvertible {
    /// One bin of lengths.
    public struct Bin: Sendable, Hashable {
        /// Shortest length in the bin (at least 1).
        public let lower: Int
        /// Longest length in the bin.
        public let upper: Int
        /// The bin's weight (the weights are normalized by their sum).
        public let probability: Double

        /// A bin.
        public init(_ lower: Int, _ upper: Int, _ probability: Double) {
            self.lower = lower
            self.upper = upper
            self.probability = probability
        }
    }

    /// The bins.
    public let bins: [Bin]

    /// A distribution; an error names a bin that is empty, starts at 0 or has a negative or
    /// non-finite weight, or says that every weight is 0.
    public init(_ bins: [Bin]) throws(TokError) {
        guard !bins.isEmpty else { throw TokError(.invalidArgument, "a chunk length distribution needs at least one bin") }
        for b in bins {
            guard b.lower >= 1, b.upper >= b.lower, b.upper < 1 << 30 else {
                throw TokError(.invalidArgument, "chunk length bin \(b.lower)-\(b.upper) is not a range of lengths from 1 up")
            }
            guard b.probability >= 0, b.probability.isFinite else {
                throw TokError(.invalidArgument, "chunk length bin \(b.lower)-\(b.upper) has weight \(b.probability)")
            }
        }
        guard bins.contains(where: { $0.probability > 0 }) else {
            throw TokError(.invalidArgument, "every chunk length bin has weight 0")
        }
        self.bins = bins
    }

    /// Parses `LOW-HIGH:P,LOW-HIGH:P,…` (a single length `N:P` is the bin N-N).
    public init(parsing text: String) throws(TokError) {
        var bins: [Bin] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: ":")
            let range = parts.first?.split(separator: "-") ?? []
            guard parts.count == 2, (1...2).contains(range.count),
                  let lo = Int(range[0].trimmingCharacters(in: .whitespaces)),
                  let hi = Int(range[range.count - 1].trimmingCharacters(in: .whitespaces)),
                  let p = Double(parts[1].trimmingCharacters(in: .whitespaces)) else {
                throw TokError(.invalidArgument, "cannot read chunk length bin '\(item)': expected LOW-HIGH:PROBABILITY")
            }
            bins.append(Bin(lo, hi, p))
        }
        try self.init(bins)
    }

    /// The sum of the weights.
    public var totalProbability: Double { bins.reduce(0) { $0 + $1.probability } }

    /// Mean chunk length (before the last chunk of a text is cut short).
    public var mean: Double { bins.reduce(0) { $0 + $1.probability * Double($1.lower + $1.upper) / 2 } / totalProbability }

    /// `LOW-HIGH:P,…`.
    public var description: String {
        bins.map { "\($0.lower)-\($0.upper):\($0.probability)" }.joined(separator: ",")
    }

    /// TokenAdapt's default (its `train.yaml`, a discretized Gaussian over 4-23 characters):
    /// 4-5 0.044, 6-7 0.091, 8-9 0.146, 10-11 0.171, 12-13 0.185, 14-15 0.171, 16-17 0.146,
    /// 18-19 0.091, 20-21 0.044, 22-23 0.011. These weights sum to 1.1 as published; like every
    /// distribution here they are used normalized by their sum (mean length 12.6 characters).
    public static let tokenAdapt = try! ChunkLengthDistribution([
        Bin(4, 5, 0.044), Bin(6, 7, 0.091), Bin(8, 9, 0.146), Bin(10, 11, 0.171), Bin(12, 13, 0.185),
        Bin(14, 15, 0.171), Bin(16, 17, 0.146), Bin(18, 19, 0.091), Bin(20, 21, 0.044), Bin(22, 23, 0.011),
    ])
}

/// Trains TokenAdapt-style supertokens (Sharthak et al. 2025, "Achieving Tokenizer Flexibility in
/// Language Models through Heuristic Adaptation and Supertoken Learning"): byte-level BPE whose
/// training pieces are not words but chunks of random lengths, so that tokens span words.
///
/// The corpus (NFC-normalized by default, special tokens cut out) is cut into chunks whose lengths
/// in characters are drawn from ``chunkLengths`` (TokenAdapt's Gaussian over 4-23 by default); each
/// chunk is a piece; BPE merges as ``BPETrainer`` does, with TokenAdapt's minimum frequency 2 and
/// longest token 29 bytes (its `max_token_length` 30, which `tokenizers` compares with `<`).
/// Chunks may span lines; they never span special tokens or the 1 MiB blocks (cut after a newline)
/// the counting threads take. The draws come from a seeded generator: the same seed and corpus
/// give the same vocabulary on any machine and any number of threads.
///
/// The vocabulary encodes a text as one piece (no pre-tokenization, as TokenAdapt's tokenizer
/// does), so its forms are tokenizer.json and merges.txt; Tok's BPE merges a long piece in
/// O(n log n).
public struct SupertokenTrainer: Sendable {
    /// The vocabulary size to reach: special tokens + 256 bytes + merged tokens.
    public var vocabularySize: Int
    /// The chunk lengths, in characters.
    public var chunkLengths: ChunkLengthDistribution
    /// The random generator's seed.
    public var seed: UInt64
    /// Training stops at the first pair seen fewer times than this.
    public var minFrequency: Int
    /// Special tokens: the first ids, cut out of the corpus, never merged.
    public var specialTokens: [String]
    /// Normalization of the corpus.
    public var normalization: BPETrainer.Normalization
    /// Longest token, in bytes; nil: no limit.
    public var maxTokenBytes: Int?
    /// Threads counting pieces.
    public var threads: Int

    /// A trainer with TokenAdapt's settings (`threads` as for ``BPETrainer``).
    public init(vocabularySize: Int, chunkLengths: ChunkLengthDistribution = .tokenAdapt, seed: UInt64 = 0,
                minFrequency: Int = 2, specialTokens: [String] = [], normalization: BPETrainer.Normalization = .nfc,
                maxTokenBytes: Int? = 29, threads: Int? = nil) {
        self.vocabularySize = vocabularySize
        self.chunkLengths = chunkLengths
        self.seed = seed
        self.minFrequency = minFrequency
        self.specialTokens = specialTokens
        self.normalization = normalization
        self.maxTokenBytes = maxTokenBytes
        self.threads = max(1, threads ?? _activeCores())   // nil: the cores this process may use
    }

    /// The byte-level trainer over random chunks.
    var bpe: BPETrainer {
        var t = BPETrainer(vocabularySize: vocabularySize, pattern: nil, minFrequency: minFrequency,
                           specialTokens: specialTokens, normalization: normalization, maxTokenBytes: maxTokenBytes,
                           threads: threads)
        t.chunking = (chunkLengths, seed)
        return t
    }

    /// Trains on files and directories (as ``BPETrainer/train(files:progress:)``).
    public func train(files: [String], progress: (@Sendable (TrainingProgress) -> Void)? = nil) throws(TokError) -> TrainedBPE {
        try bpe.train(files: files, progress: progress)
    }

    /// Trains on texts.
    public func train(texts: [[UInt8]], progress: (@Sendable (TrainingProgress) -> Void)? = nil) throws(TokError) -> TrainedBPE {
        try bpe.train(texts: texts, progress: progress)
    }
}

import CTokKernels
import Foundation
import TokCore

/// Trains a byte-level BPE vocabulary on a corpus, merge for merge as Hugging Face `tokenizers`'
/// `BpeTrainer` does with a `ByteLevel` pre-tokenizer and its full 256-byte initial alphabet.
///
/// The corpus is read line by line (each line keeps its `\n`), as `tokenizers` trains on files:
/// a pre-token piece never spans two lines. Each line is cut into pieces by ``pattern`` (nil: the
/// line is one piece); special tokens found in the text are cut out first and never counted.
/// Then, starting from the 256 bytes, the most frequent adjacent pair of tokens is merged into a
/// new token until the vocabulary has ``vocabularySize`` tokens. Ties go to the pair of smallest
/// ids (left, then right), ids being: special tokens, the 256 bytes in GPT-2's byte-to-character
/// order, then tokens in the order they were made: the same rule and the same ids as `tokenizers`.
///
/// ```swift
/// let trainer = BPETrainer(vocabularySize: 32_000, pattern: .r50k, specialTokens: ["<|endoftext|>"])
/// let bpe = try trainer.train(files: ["corpus.txt"])
/// try bpe.huggingFaceJSON().write(toFile: "tokenizer.json", atomically: true, encoding: .utf8)
/// ```
public struct BPETrainer: Sendable {
    /// Unicode normalization applied to the corpus before counting.
    public enum Normalization: String, Sendable, CaseIterable {
        /// The bytes as they are.
        case none
        /// Canonical composition.
        case nfc
        /// Compatibility composition.
        case nfkc
    }

    /// The vocabulary size to reach: special tokens + 256 bytes + merged tokens.
    public var vocabularySize: Int
    /// The pre-tokenization pattern; nil: each line is one piece.
    public var pattern: SplitPattern?
    /// Training stops at the first pair seen fewer times than this.
    public var minFrequency: Int
    /// Special tokens: the first ids, cut out of the corpus, never merged.
    public var specialTokens: [String]
    /// Normalization of the corpus.
    public var normalization: Normalization
    /// Longest token, in bytes; nil: no limit.
    public var maxTokenBytes: Int?
    /// Threads counting pieces (merging is sequential).
    public var threads: Int
    /// Pieces are random-length chunks instead of the pattern's pieces (``SupertokenTrainer``).
    var chunking: (lengths: ChunkLengthDistribution, seed: UInt64)? = nil

    /// A trainer. The defaults are GPT-2's: the r50k pattern, no minimum frequency. `threads`
    /// count pieces (nil: the cores this process may use, its CPU affinity counted).
    public init(vocabularySize: Int, pattern: SplitPattern? = .r50k, minFrequency: Int = 0,
                specialTokens: [String] = [], normalization: Normalization = .none, maxTokenBytes: Int? = nil,
                threads: Int? = nil) {
        self.vocabularySize = vocabularySize
        self.pattern = pattern
        self.minFrequency = minFrequency
        self.specialTokens = specialTokens
        self.normalization = normalization
        self.maxTokenBytes = maxTokenBytes
        self.threads = max(1, threads ?? _activeCores())   // nil: the cores this process may use
    }

    /// Trains on texts (each one is read line by line, like a file).
    public func train(texts: [[UInt8]], progress: (@Sendable (TrainingProgress) -> Void)? = nil)
        throws(TokError) -> TrainedBPE
    {
        try validate()
        return try merge(count(texts: texts), progress: progress)
    }

    /// The pieces of texts.
    func count(texts: [[UInt8]]) throws(TokError) -> PieceCounts {
        let counter = try PieceCounter(trainer: self)
        for (k, t) in texts.enumerated() {
            try t.withUnsafeBytes { raw in counter.catching { () throws(TokError) in try counter.add(raw, source: "text \(k + 1)") } }.get()
        }
        return try counter.finish()
    }

    /// Trains on files and directories (every regular file below them, in path order); `-` is
    /// standard input; files ending in `.zst` are decompressed.
    public func train(files paths: [String], progress: (@Sendable (TrainingProgress) -> Void)? = nil)
        throws(TokError) -> TrainedBPE
    {
        try validate()
        return try merge(count(files: paths, progress: progress), progress: progress)
    }

    /// The pieces of files.
    func count(files paths: [String], progress: (@Sendable (TrainingProgress) -> Void)?) throws(TokError) -> PieceCounts {
        let files = try Self.expand(paths)
        let counter = try PieceCounter(trainer: self)
        var done = 0
        for f in files {
            let data: Data
            if f == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                data = try _readFile(f, what: "training file")
            }
            try data.withUnsafeBytes { raw in
                counter.catching { () throws(TokError) in
                    if f.hasSuffix(".zst") {
                        try _withDecompressed(raw, source: f) { (text) throws(TokError) in try counter.add(text, source: f) }
                    } else {
                        try counter.add(raw, source: f)
                    }
                }
            }.get()
            done += 1
            progress?(TrainingProgress(phase: .counting, filesDone: done, files: files.count,
                                       bytesCounted: counter.bytes, piecesCounted: counter.pieces,
                                       merges: 0, mergesTarget: 0, seconds: counter.seconds))
        }
        return try counter.finish()
    }

    /// Files below the given paths, sorted per directory; an error names a path that is missing.
    static func expand(_ paths: [String]) throws(TokError) -> [String] {
        if paths.isEmpty { return ["-"] }
        var out: [String] = []
        let fm = FileManager.default
        for p in paths {
            if p == "-" { out.append(p); continue }
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                throw TokError(.io, "no such file or directory", at: p)
            }
            if !isDir.boolValue { out.append(p); continue }
            guard let walker = fm.enumerator(atPath: p) else { throw TokError(.io, "cannot list directory", at: p) }
            var found: [String] = []
            while let rel = walker.nextObject() as? String {
                let full = (p as NSString).appendingPathComponent(rel)
                var d: ObjCBool = false
                if fm.fileExists(atPath: full, isDirectory: &d), !d.boolValue, !rel.hasPrefix("."),
                   !rel.contains("/.") { found.append(full) }
            }
            out.append(contentsOf: found.sorted())
        }
        return out
    }

    func validate() throws(TokError) {
        let floor = specialTokens.count + 256
        guard vocabularySize >= floor else {
            throw TokError(.invalidArgument,
                           "vocabulary size \(vocabularySize) is smaller than the \(floor) tokens every byte-level vocabulary starts with (\(specialTokens.count) special + 256 bytes)")
        }
        try validateSettings()
    }

    /// Everything but the vocabulary size's floor (which other trainers set their own way).
    func validateSettings() throws(TokError) {
        guard vocabularySize < Int(UInt32.max) else { throw TokError(.invalidArgument, "vocabulary size \(vocabularySize) is too large") }
        guard minFrequency >= 0 else { throw TokError(.invalidArgument, "minimum frequency must not be negative") }
        if let m = maxTokenBytes, m < 2 || m >= Int(UInt32.max) {
            throw TokError(.invalidArgument, "the longest token must be at least 2 bytes, got \(m)")
        }
        var seen = Set<String>()
        for s in specialTokens {
            guard !s.isEmpty else { throw TokError(.invalidArgument, "a special token is empty") }
            guard seen.insert(s).inserted else { throw TokError(.invalidArgument, "special token '\(s)' is given twice") }
        }
    }

    /// The merge loop over counted pieces, from the 256 bytes.
    func merge(_ pieces: PieceCounts, progress: (@Sendable (TrainingProgress) -> Void)?) throws(TokError) -> TrainedBPE {
        // Initial tokens as BpeTrainer sees them: special tokens as they are, bytes as their
        // byte-level characters in code point order (so merged tokens compare the same way).
        var raw: [[UInt8]] = specialTokens.map { Array($0.utf8) }
        let byteOrder = (0..<256).sorted { _ByteLevelMap.charOfByte[$0].value < _ByteLevelMap.charOfByte[$1].value }
        for b in byteOrder { raw.append([UInt8(b)]) }
        let (tokens, merges) = try Self.runMerges(
            tokens: raw, specialCount: specialTokens.count, pieces: pieces, earlier: [], vocabularySize: vocabularySize,
            minFrequency: minFrequency, maxLength: maxTokenBytes ?? 0, maxWords: 0, forbidColonSpace: false, progress: progress)
        return TrainedBPE(tokens: tokens, specialTokenCount: specialTokens.count, merges: merges, pattern: pattern,
                          normalization: normalization, corpusBytes: pieces.bytes, corpusPieces: pieces.total,
                          distinctPieces: pieces.distinct)
    }

    /// The merge loop: `tokens` (raw bytes; special tokens first) start the vocabulary, pieces
    /// become words of byte tokens merged by the `earlier` merges (in order), then pairs merge
    /// until the vocabulary has vocabularySize tokens. Returns every token and the new merges.
    static func runMerges(tokens start: [[UInt8]], specialCount: Int, pieces: PieceCounts, earlier: [TrainedBPE.Merge],
                          vocabularySize: Int, minFrequency: Int, maxLength: Int, maxWords: Int, forbidColonSpace: Bool,
                          lengthInCharacters: Bool = false,
                          progress: (@Sendable (TrainingProgress) -> Void)?) throws(TokError) -> ([[UInt8]], [TrainedBPE.Merge]) {
        func unitCount(_ t: [UInt8]) -> UInt32 {
            lengthInCharacters ? UInt32(CharBPETrainer.characterCount(t)) : UInt32(t.count)
        }
        guard pieces.distinct > 0 else {
            throw TokError(.invalidArgument, "the corpus is empty: no text to train on (after cutting out special tokens)")
        }
        var arena: [UInt8] = []
        var offsets: [UInt32] = [0]
        var units: [UInt32] = []
        var byteIDs = [UInt32](repeating: UInt32.max, count: 256)
        for (id, t) in start.enumerated() {
            if id < specialCount {
                // The trainer holds raw bytes; BpeTrainer holds byte-level strings, where a
                // special token equal to a byte's or a merged token's string takes its place. The
                // special token's raw equivalent keeps that; one with other characters never meets
                // a merged token.
                arena += _ByteLevelMap.decode(String(decoding: t, as: UTF8.self)) ?? []
                units.append(0)
            } else {
                arena += t
                units.append(unitCount(t))
                if t.count == 1 { byteIDs[Int(t[0])] = UInt32(id) }
            }
            offsets.append(UInt32(arena.count))
        }
        guard !byteIDs.contains(UInt32.max) else { throw TokError(.invalidArgument, "the vocabulary lacks a single byte") }
        guard let t = tok_bpe_trainer_new(arena, offsets, units, UInt32(start.count)) else {
            // The strings are distinct unless a special token is a byte's character.
            throw TokError(.invalidArgument, "a special token equals a byte's token, or memory ran out")
        }
        defer { tok_bpe_trainer_free(t) }
        let clock = ContinuousClock.now
        // Earlier merges (SuperBPE's first stage) apply to each piece before counting: a pair
        // table with their order as rank, the last definition of a pair winning as in tokenizers.
        var table: OpaquePointer? = nil
        if !earlier.isEmpty {
            guard let m = tok_merges_new(earlier.count) else { throw TokError(.invalidArgument, "out of memory") }
            table = m
            for (k, e) in earlier.enumerated() {
                guard tok_merges_set(m, UInt32(e.left), UInt32(e.right), UInt32(k), UInt32(e.result)) == 0 else {
                    throw TokError(.invalidArgument, "out of memory")
                }
            }
        }
        defer { tok_merges_free(table) }
        var rc = tok_bpe_trainer_add_pieces(t, pieces.raw, byteIDs, table)
        if rc == 0, lengthInCharacters { rc = tok_bpe_trainer_count_characters(t) }
        if rc == 0 { rc = tok_bpe_trainer_set_word_rule(t, UInt32(maxWords), forbidColonSpace ? 1 : 0) }
        if rc == 0 { rc = tok_bpe_trainer_start(t, UInt32(vocabularySize), UInt64(minFrequency), UInt32(maxLength)) }
        guard rc == 0 else { throw TokError(.invalidArgument, "out of memory counting pairs") }
        let target = vocabularySize - start.count
        while true {
            let r = tok_bpe_trainer_step(t, 256)
            if r < 0 { throw TokError(.invalidArgument, "out of memory while merging") }
            if r == 0 { break }
            let d = clock.duration(to: .now).components
            progress?(TrainingProgress(phase: .merging, filesDone: 0, files: 0, bytesCounted: pieces.bytes,
                                       piecesCounted: pieces.total, merges: tok_bpe_trainer_merge_count(t),
                                       mergesTarget: target, seconds: Double(d.seconds) + Double(d.attoseconds) * 1e-18))
        }
        // Read the result back: tokens by id (raw bytes), merges in order.
        let n = Int(tok_bpe_trainer_vocab_size(t))
        var tokens = start
        tokens.reserveCapacity(n)
        for id in start.count..<n {
            var len = 0
            let p = tok_bpe_trainer_token(t, UInt32(id), &len)!
            tokens.append(Array(UnsafeBufferPointer(start: p, count: len)))
        }
        var merges: [TrainedBPE.Merge] = []
        let m = tok_bpe_trainer_merge_count(t)
        merges.reserveCapacity(m)
        for k in 0..<m {
            var l: UInt32 = 0, r: UInt32 = 0, res: UInt32 = 0, c: UInt64 = 0
            tok_bpe_trainer_merge(t, k, &l, &r, &res, &c)
            merges.append(TrainedBPE.Merge(left: Int(l), right: Int(r), result: Int(res), count: Int(c)))
        }
        return (tokens, merges)
    }
}

/// Trains a SuperBPE vocabulary (Liu et al. 2025, "SuperBPE: Space Travel for Language Models"):
/// tokens that span words.
///
/// Stage 1 is ordinary byte-level BPE (``BPETrainer``, with ``pattern``) up to the transition
/// vocabulary size. Stage 2 cuts the corpus again with ``SplitPattern/superword`` (only digit
/// groups, runs of 2+ symbols and runs of 2+ whitespace are isolated), encodes each piece with the
/// stage-1 merges, and keeps merging until ``vocabularySize``, with SuperBPE's limits: a token has
/// at most ``maxWordsPerToken`` words and never contains `": "`. The result encodes with the
/// superword pattern and every merge of both stages, in order.
public struct SuperBPETrainer: Sendable {
    /// Stage 1's settings (its vocabulary size is the transition point).
    public var firstStage: BPETrainer
    /// The final vocabulary size.
    public var vocabularySize: Int
    /// At most this many words (runs of non-whitespace) in a stage-2 token.
    public var maxWordsPerToken: Int
    /// Refuse tokens containing `": "` (SuperBPE's rule, which keeps chat-template and key: value
    /// boundaries intact).
    public var forbidColonSpace: Bool

    /// A trainer: `transition` is the vocabulary size where stage 1 stops (`threads` as for
    /// ``BPETrainer``).
    public init(vocabularySize: Int, transition: Int, pattern: SplitPattern = .r50k, maxWordsPerToken: Int = 4,
                forbidColonSpace: Bool = true, minFrequency: Int = 0, specialTokens: [String] = [],
                normalization: BPETrainer.Normalization = .none,
                threads: Int? = nil) {
        firstStage = BPETrainer(vocabularySize: transition, pattern: pattern, minFrequency: minFrequency,
                                specialTokens: specialTokens, normalization: normalization, threads: threads)
        self.vocabularySize = vocabularySize
        self.maxWordsPerToken = maxWordsPerToken
        self.forbidColonSpace = forbidColonSpace
    }

    /// Both stages' vocabularies.
    public struct Result: Sendable {
        /// Ordinary BPE up to the transition point.
        public let firstStage: TrainedBPE
        /// The SuperBPE vocabulary: stage 1's merges, then stage 2's.
        public let superBPE: TrainedBPE
    }

    /// Trains on files and directories (as ``BPETrainer/train(files:progress:)``); the corpus is
    /// read twice, once per stage.
    public func train(files: [String], progress: (@Sendable (TrainingProgress) -> Void)? = nil) throws(TokError) -> Result {
        try validate()
        guard !files.isEmpty, !files.contains("-") else {
            throw TokError(.invalidArgument, "SuperBPE reads the corpus twice (once per stage): give files, not standard input")
        }
        let one = try firstStage.train(files: files, progress: progress)
        var second = firstStage
        second.pattern = .superword
        let pieces = try second.count(files: files, progress: progress)
        return try continueFrom(one, pieces, progress: progress)
    }

    /// Trains on texts.
    public func train(texts: [[UInt8]], progress: (@Sendable (TrainingProgress) -> Void)? = nil) throws(TokError) -> Result {
        try validate()
        let one = try firstStage.train(texts: texts, progress: progress)
        var second = firstStage
        second.pattern = .superword
        let pieces = try second.count(texts: texts)
        return try continueFrom(one, pieces, progress: progress)
    }

    func validate() throws(TokError) {
        try firstStage.validate()
        guard vocabularySize >= firstStage.vocabularySize else {
            throw TokError(.invalidArgument, "the transition point \(firstStage.vocabularySize) is above the vocabulary size \(vocabularySize)")
        }
        guard maxWordsPerToken >= 1 else { throw TokError(.invalidArgument, "a token must be allowed at least one word") }
    }

    func continueFrom(_ one: TrainedBPE, _ pieces: PieceCounts, progress: (@Sendable (TrainingProgress) -> Void)?)
        throws(TokError) -> Result
    {
        let (tokens, merges) = try BPETrainer.runMerges(
            tokens: one.tokens, specialCount: one.specialTokenCount, pieces: pieces, earlier: one.merges,
            vocabularySize: vocabularySize, minFrequency: firstStage.minFrequency, maxLength: 0,
            maxWords: maxWordsPerToken, forbidColonSpace: forbidColonSpace, progress: progress)
        let all = TrainedBPE(tokens: tokens, specialTokenCount: one.specialTokenCount, merges: one.merges + merges,
                             pattern: .superword, normalization: one.normalization, corpusBytes: one.corpusBytes,
                             corpusPieces: one.corpusPieces, distinctPieces: one.distinctPieces)
        return Result(firstStage: one, superBPE: all)
    }
}

/// Where training is, for a progress display.
public struct TrainingProgress: Sendable {
    /// What the trainer is doing.
    public enum Phase: Sendable { case counting, merging }
    /// Counting pieces or merging pairs.
    public let phase: Phase
    /// Files read so far, of ``files`` (counting).
    public let filesDone: Int
    /// Files to read.
    public let files: Int
    /// Bytes of text counted so far.
    public let bytesCounted: Int
    /// Pieces counted so far (with repeats).
    public let piecesCounted: Int
    /// Merges done so far, of ``mergesTarget`` at most.
    public let merges: Int
    /// Merges needed to fill the vocabulary.
    public let mergesTarget: Int
    /// Seconds spent in this phase.
    public let seconds: Double
}

/// Counted pieces, ready for the merge loop.
final class PieceCounts: @unchecked Sendable {
    let raw: OpaquePointer
    let bytes: Int
    init(raw: OpaquePointer, bytes: Int) {
        self.raw = raw
        self.bytes = bytes
    }
    deinit { tok_piece_counts_free(raw) }
    var distinct: Int { tok_piece_counts_size(raw) }
    var total: Int { Int(tok_piece_counts_total(raw)) }
}

/// Counts pieces on several threads: each text is cut after special tokens and into chunks at
/// line ends; each thread counts its chunks into its own table; the tables are summed at the end.
final class PieceCounter {
    let pattern: Int32
    let form: Int32?
    let chunking: (min: [UInt32], max: [UInt32], cum: [UInt32], seed: UInt64)?
    /// Chunks of text handed to threads so far: numbers the random chunking's seeds.
    var serial: UInt64 = 0
    let specials: _SpecialMatcher
    let allSpecials: [Bool]
    let tables: [OpaquePointer]
    var bytes = 0
    var pieces: Int { tables.reduce(0) { $0 + Int(tok_piece_counts_total($1)) } }
    let start = ContinuousClock.now
    var seconds: Double {
        let d = start.duration(to: .now).components
        return Double(d.seconds) + Double(d.attoseconds) * 1e-18
    }
    static let chunk = 1 << 20

    init(trainer: BPETrainer) throws(TokError) {
        pattern = trainer.pattern?.kernelID ?? 0
        chunking = trainer.chunking.map { c in
            let bins = c.lengths.bins
            var cum: [UInt32] = []
            var total = 0.0
            for b in bins {
                total += b.probability
                cum.append(UInt32((total / c.lengths.totalProbability * 1_000_000_000).rounded()))
            }
            return (bins.map { UInt32($0.lower) }, bins.map { UInt32($0.upper) }, cum, c.seed)
        }
        switch trainer.normalization {
        case .none: form = nil
        case .nfc: form = Int32(TOK_NFC)
        case .nfkc: form = Int32(TOK_NFKC)
        }
        specials = _SpecialMatcher(Dictionary(uniqueKeysWithValues: trainer.specialTokens.enumerated().map { ($1, $0) }))
        allSpecials = specials.mask(.all)
        var ts: [OpaquePointer] = []
        for _ in 0..<trainer.threads {
            guard let t = tok_piece_counts_new() else { throw TokError(.invalidArgument, "out of memory") }
            ts.append(t)
        }
        tables = ts
    }

    deinit { for t in tables { tok_piece_counts_free(t) } }

    /// Counts one text.
    func add(_ raw: UnsafeRawBufferPointer, source: String) throws(TokError) {
        guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count > 0 else { return }
        bytes += raw.count
        // Segments between special tokens, then chunks of about `chunk` bytes ending after '\n'.
        var chunks: [(Int, Int)] = []
        for (s, e) in segments(base, raw.count) {
            var a = s
            while a < e {
                var b = min(e, a + Self.chunk)
                if b < e, let nl = memchr(base + b, 0x0A, e - b) {
                    b = base.distance(to: nl.assumingMemoryBound(to: UInt8.self)) + 1
                } else {
                    b = e
                }
                chunks.append((a, b))
                a = b
            }
        }
        // Table w counts chunks w, w + n, w + 2n, …: each table has one thread at a time.
        let n = tables.count
        let (pattern, form, chunking, serial) = (self.pattern, self.form, self.chunking, self.serial)
        self.serial += UInt64(chunks.count)
        let shared = Shared(base: base, tables: tables, chunks: chunks)
        let codes = _parallelMap(n) { w -> Int32 in
            let (base, table, chunks) = (shared.base, shared.tables[w], shared.chunks)
            for k in stride(from: w, to: chunks.count, by: n) {
                let (a, b) = chunks[k]
                let text = UnsafeBufferPointer(start: base + a, count: b - a)
                func count(_ p: UnsafePointer<UInt8>?, _ n: Int) -> Int32 {
                    guard let c = chunking else { return tok_piece_counts_add_lines(table, pattern, p, n) }
                    // Each chunk of work has its own seed: the same pieces whatever the threads.
                    var state = c.seed &+ (serial &+ UInt64(k)) &* 0x9E37_79B9_7F4A_7C15
                    state = (state ^ (state >> 31)) &* 0xBF58_476D_1CE4_E5B9
                    return tok_piece_counts_add_random_chunks(table, p, n, c.min, c.max, c.cum, c.min.count, state ^ (state >> 29))
                }
                let r: Int32
                if let form {
                    let normalized = _icuNormalize(form, text).bytes
                    r = count(normalized, normalized.count)
                } else {
                    r = count(text.baseAddress, text.count)
                }
                if r != 0 { return r }
            }
            return 0
        }
        if let r = codes.first(where: { $0 != 0 }) {
            throw TokError(.invalidArgument, r == Int32(TOK_E_NOMEM) ? "out of memory counting pieces" : "cannot count pieces (error \(r))", at: source)
        }
    }

    /// The work the counting threads share (read-only while they run).
    struct Shared: @unchecked Sendable {
        let base: UnsafePointer<UInt8>
        let tables: [OpaquePointer]
        let chunks: [(Int, Int)]
    }

    /// body's outcome as a Result (for closures that cannot throw a typed error).
    func catching(_ body: () throws(TokError) -> Void) -> Result<Void, TokError> {
        do throws(TokError) { try body(); return .success(()) } catch { return .failure(error) }
    }

    /// [start, end) ranges of the text outside special tokens (the longest one at a position
    /// wins, as when encoding).
    func segments(_ p: UnsafePointer<UInt8>, _ n: Int) -> [(Int, Int)] {
        let buf = UnsafeBufferPointer(start: p, count: n)
        var out: [(Int, Int)] = []
        var pos = 0
        while let (start, k) = specials.find(in: buf, from: pos, mask: allSpecials) {
            if start > pos { out.append((pos, start)) }
            pos = start + specials.entries[k].bytes.count
        }
        if pos < n { out.append((pos, n)) }
        return out
    }

    /// All tables summed into one.
    func finish() throws(TokError) -> PieceCounts {
        guard let all = tok_piece_counts_new() else { throw TokError(.invalidArgument, "out of memory") }
        for t in tables where tok_piece_counts_merge(all, t) != 0 {
            tok_piece_counts_free(all)
            throw TokError(.invalidArgument, "out of memory summing piece counts")
        }
        return PieceCounts(raw: all, bytes: bytes)
    }
}

import CTokKernels
import Foundation
import TokCore

/// Trains a character-level BPE vocabulary, as the KL3M character tokenizers are meant to be:
/// every token is at most ``maxCharacters`` Unicode characters long, the corpus is NFKC-normalized
/// by default, and the vocabulary can be padded to a power of two with whitespace-run tokens.
///
/// Unlike a character-only BPE (and unlike KL3M's published files, whose byte-level alphabet
/// leaves some bytes out), every byte stays encodable: the vocabulary is byte-level underneath.
///
/// - The **alphabet** is every character of the corpus plus ``alphabet`` (characters wanted even
///   when unseen), cut to the ``alphabetLimit`` most frequent when given (ties: smaller code point;
///   the given characters are always kept). Each alphabet character is one token, built from its
///   UTF-8 bytes by the first merges (one chain per character: the first two bytes, then one more
///   byte at a time). Characters outside the alphabet stay bytes, which later merges may join.
/// - **Ids**: special tokens, the alphabet characters in code point order, the other single bytes
///   in byte order, the partial characters the chains need, then merged tokens.
/// - **Merges**: the most frequent adjacent pair, ties to the pair of smallest ids, counted only
///   when the merged token has at most ``maxCharacters`` characters. With the whole corpus as the
///   alphabet this is, merge for merge, Hugging Face `tokenizers`' `BpeTrainer` on characters
///   (no ByteLevel step) with `max_token_length = maxCharacters + 1` (it counts new pairs while
///   their length is *below* the limit): the same ids, the same rule.
/// - **Padding** (``padToPowerOfTwo``): whitespace runs of 2, 3, … spaces and newlines
///   (alternating, as KL3M does) that are not tokens yet are added by merges at the end until the
///   vocabulary size is a power of two; these tokens may be longer than ``maxCharacters``.
///
/// ```swift
/// let trainer = CharBPETrainer(vocabularySize: 4096, maxCharacters: 4, padToPowerOfTwo: true)
/// let bpe = try trainer.train(files: ["corpus/"])
/// let tok = try bpe.tokenizer()
/// ```
public struct CharBPETrainer: Sendable {
    /// The vocabulary size to reach before padding (special tokens, alphabet, bytes, merges).
    public var vocabularySize: Int
    /// Longest token, in characters (whitespace padding tokens aside).
    public var maxCharacters: Int
    /// The pre-tokenization pattern; nil: each line is one piece.
    public var pattern: SplitPattern?
    /// Training stops at the first pair seen fewer times than this.
    public var minFrequency: Int
    /// Special tokens: the first ids, cut out of the corpus, never merged.
    public var specialTokens: [String]
    /// Normalization of the corpus (NFKC by default, as KL3M).
    public var normalization: BPETrainer.Normalization
    /// Characters that are alphabet tokens even when the corpus lacks them (`initial_alphabet`).
    public var alphabet: [Unicode.Scalar]
    /// At most this many alphabet characters (the given ones first, then by frequency); nil: all.
    public var alphabetLimit: Int?
    /// Pad the vocabulary with whitespace-run tokens up to the next power of two.
    public var padToPowerOfTwo: Bool
    /// Threads counting pieces.
    public var threads: Int

    /// A trainer with KL3M's defaults: GPT-2's pattern, NFKC, tokens of at most 4 characters
    /// (`threads` as for ``BPETrainer``).
    public init(vocabularySize: Int, maxCharacters: Int = 4, pattern: SplitPattern? = .r50k, minFrequency: Int = 0,
                specialTokens: [String] = [], normalization: BPETrainer.Normalization = .nfkc,
                alphabet: [Unicode.Scalar] = [], alphabetLimit: Int? = nil, padToPowerOfTwo: Bool = false,
                threads: Int? = nil) {
        self.vocabularySize = vocabularySize
        self.maxCharacters = maxCharacters
        self.pattern = pattern
        self.minFrequency = minFrequency
        self.specialTokens = specialTokens
        self.normalization = normalization
        self.alphabet = alphabet
        self.alphabetLimit = alphabetLimit
        self.padToPowerOfTwo = padToPowerOfTwo
        self.threads = max(1, threads ?? _activeCores())   // nil: the cores this process may use
    }

    /// The byte-level trainer that counts pieces with the same settings.
    var counter: BPETrainer {
        BPETrainer(vocabularySize: vocabularySize, pattern: pattern, minFrequency: minFrequency,
                   specialTokens: specialTokens, normalization: normalization, threads: threads)
    }

    /// Trains on files and directories (as ``BPETrainer/train(files:progress:)``).
    public func train(files: [String], progress: (@Sendable (TrainingProgress) -> Void)? = nil) throws(TokError) -> TrainedBPE {
        try validate()
        return try merge(counter.count(files: files, progress: progress), progress: progress)
    }

    /// Trains on texts (each read line by line, like a file).
    public func train(texts: [[UInt8]], progress: (@Sendable (TrainingProgress) -> Void)? = nil) throws(TokError) -> TrainedBPE {
        try validate()
        return try merge(counter.count(texts: texts), progress: progress)
    }

    func validate() throws(TokError) {
        // The floor (the alphabet) is known only after counting: merge checks it.
        try counter.validateSettings()
        guard maxCharacters >= 1 else { throw TokError(.invalidArgument, "tokens must be allowed at least 1 character, got \(maxCharacters)") }
        if let l = alphabetLimit, l < Set(alphabet).count {
            throw TokError(.invalidArgument, "the alphabet limit \(l) is below the \(Set(alphabet).count) characters given for the alphabet")
        }
    }

    /// The length of a byte string in characters: its bytes that are not UTF-8 continuation bytes,
    /// plus one when it starts with one (a partial character). The trainer's unit for max length.
    static func characterCount(_ t: [UInt8]) -> Int {
        var n = 0
        for b in t where b & 0xC0 != 0x80 { n += 1 }
        if let f = t.first, f & 0xC0 == 0x80 { n += 1 }
        return n
    }

    /// Occurrences of each character (valid UTF-8 sequences) in the counted pieces, by code point.
    static func characterCounts(_ pieces: PieceCounts) -> [Int: Int] {
        var counts = [Int](repeating: 0, count: 0x110000)
        var seen: [Int] = []
        for k in 0..<pieces.distinct {
            var p: UnsafePointer<UInt8>? = nil
            var len = 0
            var c: UInt64 = 0
            tok_piece_counts_get(pieces.raw, k, &p, &len, &c)
            let s = UnsafeBufferPointer(start: p, count: len)
            var i = 0
            while i < len {
                // The kernels' UTF-8 reader: ill-formed bytes are no character (they stay bytes).
                let ch = tok_utf8_at(s.baseAddress, len, i)
                if ch.cls & UInt8(TOK_CLS_INVALID) == 0 {
                    let cp = Int(ch.cp)
                    if counts[cp] == 0 { seen.append(cp) }
                    counts[cp] += Int(c)
                }
                i += Int(ch.len)
            }
        }
        return Dictionary(uniqueKeysWithValues: seen.map { ($0, counts[$0]) })
    }

    /// The merge loop over counted pieces.
    func merge(_ pieces: PieceCounts, progress: (@Sendable (TrainingProgress) -> Void)?) throws(TokError) -> TrainedBPE {
        guard pieces.distinct > 0 else {
            throw TokError(.invalidArgument, "the corpus is empty: no text to train on (after cutting out special tokens)")
        }
        let counts = Self.characterCounts(pieces)
        // The alphabet: given characters always, then the most frequent of the corpus.
        let given = Set(alphabet.map { Int($0.value) })
        var chosen = Array(given)
        let rest = counts.keys.filter { !given.contains($0) }
            .sorted { (counts[$0]!, $1) > (counts[$1]!, $0) }
        chosen += rest.prefix(max(0, (alphabetLimit ?? Int.max) - chosen.count))
        chosen.sort()
        // Initial tokens: special tokens, alphabet characters, other bytes, partial characters.
        var start: [[UInt8]] = specialTokens.map { Array($0.utf8) }
        var isAlphabetByte = [Bool](repeating: false, count: 256)
        var partials = Set<[UInt8]>()
        var chain: [[UInt8]: Int] = [:]  // prefix (2+ bytes) → occurrences it stands in
        for cp in chosen {
            let bytes = Array(String(Unicode.Scalar(UInt32(cp))!).utf8)
            start.append(bytes)
            if bytes.count == 1 { isAlphabetByte[Int(bytes[0])] = true }
            for n in stride(from: 2, through: bytes.count, by: 1) {
                chain[Array(bytes[..<n]), default: 0] += counts[cp] ?? 0
                if n < bytes.count { partials.insert(Array(bytes[..<n])) }
            }
        }
        for b in 0..<256 where !isAlphabetByte[b] { start.append([UInt8(b)]) }
        start += partials.sorted { $0.lexicographicallyPrecedes($1) }
        guard vocabularySize >= start.count else {
            throw TokError(.invalidArgument,
                           "vocabulary size \(vocabularySize) is smaller than the alphabet: \(specialTokens.count) special tokens + \(chosen.count) characters + \(start.count - specialTokens.count - chosen.count) other bytes and partial characters = \(start.count); raise it or limit the alphabet")
        }
        // The chain merges: every 2-byte prefix, then every 3-byte one, then 4.
        var id: [[UInt8]: Int] = [:]
        for (k, t) in start.enumerated() where k >= specialTokens.count { id[t] = k }
        let steps = chain.keys.sorted { $0.count != $1.count ? $0.count < $1.count : $0.lexicographicallyPrecedes($1) }
        let alphabetMerges = steps.map { t in
            TrainedBPE.Merge(left: id[Array(t.dropLast())]!, right: id[[t.last!]]!, result: id[t]!, count: chain[t]!)
        }
        let (tokens, trained) = try BPETrainer.runMerges(
            tokens: start, specialCount: specialTokens.count, pieces: pieces, earlier: alphabetMerges,
            vocabularySize: vocabularySize, minFrequency: minFrequency, maxLength: maxCharacters, maxWords: 0,
            forbidColonSpace: false, lengthInCharacters: true, progress: progress)
        var result = TrainedBPE(tokens: tokens, specialTokenCount: specialTokens.count, merges: alphabetMerges + trained,
                                pattern: pattern, normalization: normalization, corpusBytes: pieces.bytes,
                                corpusPieces: pieces.total, distinctPieces: pieces.distinct)
        if padToPowerOfTwo { result = try result.paddedWithWhitespaceRuns() }
        return result
    }
}

extension TrainedBPE {
    /// This vocabulary with whitespace runs added until its size is a power of two: runs of 2, 3, …
    /// spaces and newlines, alternating, skipping runs that are tokens already. Each run becomes a
    /// token by a merge of the two tokens the vocabulary encodes it to (first merging earlier
    /// parts when it encodes to more than two, so that the run is reachable).
    func paddedWithWhitespaceRuns() throws(TokError) -> TrainedBPE {
        var target = 1
        while target < tokens.count { target <<= 1 }
        var tokens = self.tokens
        var merges = self.merges
        var ids: [[UInt8]: Int] = [:]
        for k in specialTokenCount..<tokens.count where ids[tokens[k]] == nil { ids[tokens[k]] = k }
        // Runs are encoded with the merge kernel (a pair table, the last definition of a pair
        // winning, as tokenizers saves repeated pairs); new merges join the table as they are made.
        let nomem = TokError(.invalidArgument, "out of memory padding the vocabulary")
        guard let table = tok_merges_new(merges.count + 4096) else { throw nomem }
        defer { tok_merges_free(table) }
        for (k, m) in merges.enumerated()
        where tok_merges_set(table, UInt32(m.left), UInt32(m.right), UInt32(k), UInt32(m.result)) != 0 { throw nomem }
        let byteID = (0..<256).map { UInt32(ids[[UInt8($0)]]!) }
        func encode(_ s: [UInt8]) -> [Int] {
            var seq = s.map { byteID[Int($0)] }
            let n = withUnsafeTemporaryAllocation(byteCount: tok_merge_work_size(seq.count), alignment: 8) { work in
                seq.withUnsafeMutableBufferPointer { tok_merge_word(table, $0.baseAddress, nil, $0.count, work.baseAddress) }
            }
            return seq.prefix(n).map(Int.init)
        }
        func addMerge(_ l: Int, _ r: Int, _ bytes: [UInt8]) throws(TokError) {
            let res: Int
            if let e = ids[bytes] { res = e } else {
                res = tokens.count
                tokens.append(bytes)
                ids[bytes] = res
            }
            guard tok_merges_set(table, UInt32(l), UInt32(r), UInt32(merges.count), UInt32(res)) == 0 else { throw nomem }
            merges.append(Merge(left: l, right: r, result: res, count: 0))
        }
        var length = 2
        outer: while tokens.count < target {
            for ch: UInt8 in [0x20, 0x0A] {
                guard tokens.count < target else { break outer }
                let run = [UInt8](repeating: ch, count: length)
                if ids[run] != nil { continue }
                var parts = encode(run)
                while parts.count > 2 {
                    try addMerge(parts[0], parts[1], tokens[parts[0]] + tokens[parts[1]])
                    parts = encode(run)
                }
                try addMerge(parts[0], parts[1], run)
            }
            length += 1
        }
        return TrainedBPE(tokens: tokens, specialTokenCount: specialTokenCount, merges: merges, pattern: pattern,
                          normalization: normalization, corpusBytes: corpusBytes, corpusPieces: corpusPieces,
                          distinctPieces: distinctPieces)
    }
}

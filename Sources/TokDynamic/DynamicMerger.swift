public import TokCore

/// Where merged units may not cross (the boundary modes of the reference `dynamic_bpe.py`).
public enum MergeBoundary: String, Sendable, CaseIterable {
    /// A merged unit must decode to text the base tokenizer's pre-tokenizer keeps as one piece.
    case pretokens
    /// Whitespace-delimited words (Unicode White_Space), never a special token.
    case word
    /// As `word`, and a punctuation token joins a non-punctuation unit only if it is `-`.
    case wordHyphen = "word_hyphen"
    /// Anything but special tokens.
    case sentence
}

/// How many merges a batch gets.
public enum MergeBudget: Sendable, Equatable {
    /// At most this many merges.
    case merges(Int)
    /// Merge until the batch has at most `(1 - fraction)` of its base token count (or no pair is left).
    case reduction(Double)
}

/// One unit of a dynamically merged sequence: a run of base tokens.
public struct DynamicUnit: Sendable, Equatable {
    /// The base-token indices it covers in its sequence.
    public let span: Range<Int>
    /// Its bytes: the base tokens' bytes, concatenated.
    public let bytes: [UInt8]
}

/// One merge of the batch, in order: the two units (by their bytes) and how many occurrences it joined.
public struct DynamicMerge: Sendable, Equatable {
    public let left: [UInt8]
    public let right: [UInt8]
    public let occurrences: Int
}

/// A batch after dynamic merging.
public struct DynamicBatch: Sendable {
    /// The base token ids, per sequence.
    public let base: [[Int]]
    /// The units, per sequence; their spans tile `0..<base[i].count`.
    public let units: [[DynamicUnit]]
    /// The merges, in the order they were made.
    public let merges: [DynamicMerge]

    /// Total base tokens.
    public var baseLength: Int { base.reduce(0) { $0 + $1.count } }
    /// Total units after merging.
    public var length: Int { units.reduce(0) { $0 + $1.count } }
    /// `1 - length / baseLength` (0 for an empty batch).
    public var reduction: Double { baseLength == 0 ? 0 : 1 - Double(length) / Double(baseLength) }

    /// The base ids a unit replaces (its decomposition, e.g. for a hypernetwork).
    public func baseIDs(sequence: Int, unit: Int) -> ArraySlice<Int> { base[sequence][units[sequence][unit].span] }

    /// The batch's distinct units in order of first occurrence, each with the base ids of that
    /// first occurrence truncated or padded to `length` with `padID` (the ZeTT hypernetwork input),
    /// and per sequence the index of each unit in that list.
    public func vocabulary(decompositionLength length: Int, padID: Int) -> (units: [[UInt8]], decompositions: [[Int]], indices: [[Int]]) {
        var index: [[UInt8]: Int] = [:]
        var units: [[UInt8]] = [], decomps: [[Int]] = [], indices: [[Int]] = []
        for (s, seq) in self.units.enumerated() {
            var row: [Int] = []
            row.reserveCapacity(seq.count)
            for u in seq {
                if let k = index[u.bytes] { row.append(k); continue }
                index[u.bytes] = units.count
                row.append(units.count)
                units.append(u.bytes)
                var d = Array(base[s][u.span].prefix(length))
                d += [Int](repeating: padID, count: length - d.count)
                decomps.append(d)
            }
            indices.append(row)
        }
        return (units, decomps, indices)
    }
}

/// Dynamic batch-level BPE (Feher, Vulić and Minixhofer, "Retrofitting (Large) Language Models
/// with Dynamic Tokenization"): repeatedly merge the most frequent adjacent pair of units across
/// the whole batch, as the reference `dynamic_bpe.py` does.
///
/// - Pairs are counted at every adjacent position (overlaps included); the most frequent valid
///   pair wins, ties going to the pair that occurs first (batch order, then left to right).
/// - A merge joins its pair everywhere, left to right without overlap.
/// - Units are identified by their bytes (two units with the same bytes are the same unit).
/// - Valid pairs: a unit never has a space, tab or line feed after its first byte unless it is all
///   such bytes, and never is exactly two line feeds; then the boundary mode decides (bytes that are
///   not valid UTF-8 are always allowed, as in the reference).
///
/// Pair counts are updated incrementally (only the neighbours of each merged occurrence), so each
/// merge costs about its number of occurrences, not a recount of the batch.
public struct DynamicMerger: Sendable {
    /// The base tokenizer.
    public let tokenizer: Tokenizer
    /// The boundary mode.
    public let boundary: MergeBoundary
    let specialTexts: Set<[UInt8]>
    let punctuationIDs: Set<Int>

    /// A merger over `tokenizer`'s tokens.
    public init(tokenizer: Tokenizer, boundary: MergeBoundary = .pretokens) {
        self.tokenizer = tokenizer
        self.boundary = boundary
        self.specialTexts = Set(tokenizer.specialTokens.keys.map { Array($0.utf8) })
        var punct = Set<Int>()
        if boundary == .wordHyphen {
            // The reference's punctuation tokens: vocabulary tokens with one of these characters and
            // no digit, tested on the byte-level (GPT-2) spelling, where bytes B2, B3, B9 are ²³¹.
            let marks = Set(Array(".,!?;:()-\"'\\/`$%&*+<=>@[]^_{|}~".utf8))
            for id in 0..<tokenizer.mergeableCount {
                guard let n = tokenizer.tokenByteCount(id), n > 0, let b = try? tokenizer.tokenBytes(id) else { continue }
                if b.contains(where: { marks.contains($0) })
                    && !b.contains(where: { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0xB2 || $0 == 0xB3 || $0 == 0xB9 }) {
                    punct.insert(id)
                }
            }
        }
        self.punctuationIDs = punct
    }

    /// Merges a batch of base token sequences within `budget`.
    /// - Throws: ``TokError/Code/unknownID`` for an id the tokenizer does not have;
    ///   ``TokError/Code/invalidArgument`` for a negative budget or a reduction outside 0..<1.
    public func merge(_ batch: [[Int]], budget: MergeBudget) throws(TokError) -> DynamicBatch {
        var state = try _MergeState(batch: batch, merger: self)
        let limit: Int
        let targetLength: Int
        switch budget {
        case .merges(let n):
            guard n >= 0 else { throw TokError(.invalidArgument, "the number of merges must not be negative, not \(n)") }
            limit = n
            targetLength = -1
        case .reduction(let r):
            guard r >= 0 && r < 1 else { throw TokError(.invalidArgument, "a reduction is a fraction in 0..<1, not \(r)") }
            limit = Int.max
            targetLength = Int((Double(state.total) * (1 - r)).rounded(.down))
        }
        var merges: [DynamicMerge] = []
        while merges.count < limit && state.length > targetLength {
            guard let m = state.mergeBest() else { break }
            merges.append(m)
        }
        return DynamicBatch(base: batch, units: state.units(), merges: merges)
    }

    /// Whether units `a` and `b` may merge (the reference's `is_valid_pair`).
    func isValid(_ a: [UInt8], _ b: [UInt8], aID: Int?, bID: Int?) -> Bool {
        let joined = a + b
        func spacelike(_ x: UInt8) -> Bool { x == 0x20 || x == 0x0A || x == 0x09 }
        if joined.dropFirst().contains(where: spacelike)
            && (joined == [0x0A, 0x0A] || !joined.allSatisfy(spacelike)) {
            return false
        }
        let aSpecial = specialTexts.contains(a), bSpecial = specialTexts.contains(b)
        if boundary == .sentence { return !aSpecial && !bSpecial }
        guard let text = String(validating: joined, as: UTF8.self) else { return true }
        switch boundary {
        case .pretokens:
            return tokenizer.preTokenize(bytes: joined).count == 1
        case .word, .wordHyphen:
            // WhitespaceSplit yields one piece: non-space text with no white space inside it.
            var runs = 0, inRun = false
            for u in text.unicodeScalars {
                let ws = u.properties.isWhitespace
                if !ws && !inRun { runs += 1 }
                inRun = !ws
            }
            let cond = runs == 1 && !aSpecial && !bSpecial
            if boundary == .wordHyphen && cond {
                let aPunct = aID.map { punctuationIDs.contains($0) } ?? false
                let bPunct = bID.map { punctuationIDs.contains($0) } ?? false
                if !aPunct && bPunct { return b == [UInt8(ascii: "-")] }
            }
            return cond
        case .sentence:
            return true
        }
    }
}

/// The merge loop's state: units as a linked list over base positions, pair counts with the
/// occurrences of each pair, and a max-heap of (count, first occurrence) with lazy invalidation.
struct _MergeState {
    let merger: DynamicMerger
    let seqStart: [Int]          // global position of each sequence's first base token
    var type: [Int32]            // unit type at a unit's first base position
    var next: [Int32], prev: [Int32]
    var alive: [Bool]
    var typeBytes: [[UInt8]] = []
    var typeIndex: [[UInt8]: Int32] = [:]
    var typeBaseID: [Int?] = []  // the base id whose bytes a type is, for punctuation tests
    var validity: [UInt64: Bool] = [:]
    var counts: [UInt64: Int] = [:]
    var occurrences: [UInt64: _Heap<Int>] = [:]
    var heap = _Heap<_Entry> { $0.before($1) }
    let total: Int
    var length: Int

    init(batch: [[Int]], merger: DynamicMerger) throws(TokError) {
        self.merger = merger
        var starts: [Int] = []
        var n = 0
        for s in batch { starts.append(n); n += s.count }
        seqStart = starts
        total = n
        length = n
        type = [Int32](repeating: 0, count: n)
        next = [Int32](repeating: -1, count: n)
        prev = [Int32](repeating: -1, count: n)
        alive = [Bool](repeating: true, count: n)
        var idType: [Int: Int32] = [:]
        for (s, seq) in batch.enumerated() {
            for (i, id) in seq.enumerated() {
                let p = starts[s] + i
                if let t = idType[id] {
                    type[p] = t
                } else {
                    let b = try merger.tokenizer.tokenBytes(id)
                    let t = intern(b, baseID: id)
                    idType[id] = t
                    type[p] = t
                }
                if i > 0 { prev[p] = Int32(p - 1); next[p - 1] = Int32(p) }
            }
        }
        var touched = Set<UInt64>()
        for p in 0..<n where next[p] >= 0 {
            if let k = countPair(at: p, +1) { touched.insert(k) }
        }
        for k in touched { refresh(k) }
    }

    mutating func intern(_ b: [UInt8], baseID: Int? = nil) -> Int32 {
        if let t = typeIndex[b] { return t }
        let t = Int32(typeBytes.count)
        typeIndex[b] = t
        typeBytes.append(b)
        // A merged unit that spells a vocabulary token is that token (the reference compares strings).
        typeBaseID.append(baseID ?? (merger.boundary == .wordHyphen ? merger.tokenizer.id(forBytes: b) : nil))
        return t
    }

    func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }

    mutating func valid(_ a: Int32, _ b: Int32) -> Bool {
        let k = key(a, b)
        if let v = validity[k] { return v }
        let v = merger.isValid(typeBytes[Int(a)], typeBytes[Int(b)], aID: typeBaseID[Int(a)], bID: typeBaseID[Int(b)])
        validity[k] = v
        return v
    }

    /// Counts (+1) or uncounts (-1) the adjacency at p (p and next[p]) if its pair is valid;
    /// returns the pair's key. A counted adjacency is also recorded as an occurrence.
    mutating func countPair(at p: Int, _ delta: Int) -> UInt64? {
        let a = type[p], b = type[Int(next[p])]
        guard valid(a, b) else { return nil }
        let k = key(a, b)
        counts[k, default: 0] += delta
        if delta > 0 { occurrences[k, default: _Heap<Int>(<)].push(p) }
        return k
    }

    func occursAt(_ k: UInt64, _ p: Int) -> Bool {
        guard alive[p], next[p] >= 0 else { return false }
        return key(type[p], type[Int(next[p])]) == k
    }

    /// The first current occurrence of pair k (cleaning stale ones off its heap).
    mutating func firstOccurrence(_ k: UInt64) -> Int? {
        guard var h = occurrences[k] else { return nil }
        occurrences[k] = nil
        while let p = h.top, !occursAt(k, p) { h.pop() }
        let first = h.top
        occurrences[k] = h
        return first
    }

    mutating func refresh(_ k: UInt64) {
        let c = counts[k] ?? 0
        guard c > 0, let first = firstOccurrence(k) else { return }
        heap.push(_Entry(count: c, first: first, key: k))
    }

    /// Merges the most frequent valid pair everywhere; nil when none is left.
    mutating func mergeBest() -> DynamicMerge? {
        var best: _Entry?
        while let e = heap.top {
            heap.pop()
            if counts[e.key] == e.count && e.count > 0 && firstOccurrence(e.key) == e.first { best = e; break }
        }
        guard let best else { return nil }
        let k = best.key
        let a = Int32(truncatingIfNeeded: k >> 32), b = Int32(truncatingIfNeeded: k & 0xFFFF_FFFF)
        var positions = occurrences[k]?.items ?? []
        occurrences[k] = nil
        positions.sort()
        let newType = intern(typeBytes[Int(a)] + typeBytes[Int(b)])
        var touched = Set<UInt64>()
        var merged = 0
        var last = -1
        for p in positions where p != last {
            last = p
            guard alive[p], type[p] == a, next[p] >= 0, type[Int(next[p])] == b else { continue }
            let q = Int(next[p])
            let l = Int(prev[p]), r = Int(next[q])
            if l >= 0, let kk = countPair(at: l, -1) { touched.insert(kk) }
            _ = countPair(at: p, -1)
            if r >= 0, let kk = countPair(at: q, -1) { touched.insert(kk) }
            type[p] = newType
            next[p] = Int32(r)
            if r >= 0 { prev[r] = Int32(p) }
            alive[q] = false
            if l >= 0, let kk = countPair(at: l, +1) { touched.insert(kk) }
            if r >= 0, let kk = countPair(at: p, +1) { touched.insert(kk) }
            merged += 1
        }
        length -= merged
        touched.remove(k)
        counts[k] = 0
        for t in touched { refresh(t) }
        return DynamicMerge(left: typeBytes[Int(a)], right: typeBytes[Int(b)], occurrences: merged)
    }

    func units() -> [[DynamicUnit]] {
        var out: [[DynamicUnit]] = []
        for (s, start) in seqStart.enumerated() {
            let end = s + 1 < seqStart.count ? seqStart[s + 1] : total
            var row: [DynamicUnit] = []
            var p = start
            while p < end {
                var e = p + 1
                while e < end && !alive[e] { e += 1 }
                row.append(DynamicUnit(span: (p - start)..<(e - start), bytes: typeBytes[Int(type[p])]))
                p = e
            }
            out.append(row)
        }
        return out
    }
}

struct _Entry {
    let count: Int
    let first: Int
    let key: UInt64
    /// Higher priority: more occurrences, then an earlier first occurrence.
    func before(_ o: _Entry) -> Bool { count != o.count ? count > o.count : first < o.first }
}

/// A binary heap; `before(a, b)` is true when a comes out first.
struct _Heap<Element> {
    var items: [Element] = []
    let before: (Element, Element) -> Bool
    init(_ before: @escaping (Element, Element) -> Bool) { self.before = before }
    var top: Element? { items.first }
    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard before(items[i], items[p]) else { break }
            items.swapAt(i, p)
            i = p
        }
    }
    mutating func pop() {
        let last = items.removeLast()
        guard !items.isEmpty else { return }
        items[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && before(items[l], items[m]) { m = l }
            if r < items.count && before(items[r], items[m]) { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
    }
}

internal import CTokKernels
import Foundation

/// The 1- to `maxOrder`-grams of a corpus's texts, counted together: every position's id and the
/// next three form one key, and the keys are kept sorted (`tok_blocks.h`), so one sort counts
/// every order and one pass over the keys gives each order's sums. For a vocabulary with ids of
/// 2^21 − 1 or more (none in practice) the same figures come from one hash table per order
/// (``NGramCounter``). A value type: copies share the counts until one of them is changed.
struct BlockCounts: @unchecked Sendable {   // changed only through a unique reference; see Box
    /// The figures ``CorpusAnalyzer/report()`` needs, per order k (index k; 0 unused).
    struct Summary: Sendable, Equatable {
        var total = [Int](repeating: 0, count: 5)
        var distinct = [Int](repeating: 0, count: 5)
        /// Σ c·log₂c over the distinct k-grams.
        var clog2c = [Double](repeating: 0, count: 5)
        /// Σ c·log₂c over the distinct first k ids of the (k+1)-grams (k = 1…3).
        var contextClog2c = [Double](repeating: 0, count: 5)
        /// Each distinct id's count, in id order.
        var unigramCounts: [Int] = []
    }

    private final class Box: @unchecked Sendable {   // `lock`: `summary`, compaction, reads by merges
        let pointer: OpaquePointer?
        var tables: [NGramCounter]                    // the fallback: orders 1…4, then tails 1…3
        let lock = NSLock()
        var summary: Summary?
        init(pointer: OpaquePointer?, tables: [NGramCounter]) { self.pointer = pointer; self.tables = tables }
        deinit { tok_blocks_free(pointer) }
    }

    private var box: Box
    /// The highest order counted (1…4).
    let maxOrder: Int
    private let idLimit: Int
    /// Ids added in all (merges included): 0 while nothing was.
    private var added = 0

    /// Empty counts of the 1- to `maxOrder`-grams (1…4) of ids below `idLimit`. `bufferKeys`
    /// caps the keys waiting to be sorted (`tok_blocks_set_buffer`; tests make runs with it).
    init(idLimit: Int, maxOrder: Int, bufferKeys: Int? = nil) {
        precondition((1...4).contains(maxOrder), "orders 1...4")
        self.maxOrder = maxOrder
        self.idLimit = idLimit
        if idLimit >= 1 && idLimit <= Int(TOK_BLOCKS_MAX_LIMIT) {
            guard let p = tok_blocks_new(UInt32(idLimit), Int32(maxOrder)) else { Self.outOfMemory() }
            if let k = bufferKeys { precondition(tok_blocks_set_buffer(p, k) == 0, "bufferKeys ≥ 1") }
            box = Box(pointer: p, tables: [])
        } else {
            box = Box(pointer: nil, tables: (1...maxOrder).map { NGramCounter(order: $0) }
                                            + (1..<maxOrder).map { NGramCounter(order: $0) })
        }
    }

    private static func outOfMemory() -> Never {
        fatalError("out of memory counting token n-grams")
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&box) {
            if let p = box.pointer {
                guard let copy = tok_blocks_clone(p) else { Self.outOfMemory() }
                box = Box(pointer: copy, tables: [])
            } else {
                box = Box(pointer: nil, tables: box.tables)
            }
        }
        box.summary = nil
    }

    /// Adds one text's ids (n-grams never cross texts). Every id must be below the limit.
    mutating func add(_ ids: [UInt32]) {
        guard !ids.isEmpty else { return }
        makeUnique()
        added += ids.count
        if let p = box.pointer {
            let rc = ids.withUnsafeBufferPointer { tok_blocks_add(p, $0.baseAddress, $0.count) }
            precondition(rc != Int32(TOK_E_ARGUMENT), "an id at or above the vocabulary size")
            if rc != 0 { Self.outOfMemory() }
            return
        }
        for k in 0..<maxOrder { box.tables[k].add(sequence: ids) }
        for k in 1..<maxOrder where ids.count >= k { box.tables[maxOrder + k - 1].add(Array(ids.suffix(k))) }
    }

    /// Adds every count of several others (same limit and order).
    mutating func merge(contentsOf others: [BlockCounts]) {
        let sources = others.filter { $0.added > 0 }   // (a copy of this one among them: makeUnique copies first)
        guard !sources.isEmpty else { return }
        precondition(sources.allSatisfy { $0.maxOrder == maxOrder && $0.idLimit == idLimit }, "merge counts of one kind")
        if added == 0 && sources.count == 1 {   // share the one source's counts instead of copying them
            self = sources[0]
            return
        }
        makeUnique()
        added += sources.reduce(0) { $0 + $1.added }
        if let p = box.pointer {
            for s in sources {
                // the source's lock: a summary of it elsewhere compacts its runs meanwhile
                s.box.lock.lock()
                let rc = tok_blocks_merge(p, s.box.pointer)
                s.box.lock.unlock()
                if rc != 0 { Self.outOfMemory() }
            }
            return
        }
        for k in box.tables.indices { box.tables[k].merge(contentsOf: sources.map { $0.box.tables[k] }) }
    }

    /// The figures of everything added (computed once, then kept until the next change).
    var summary: Summary {
        let b = box
        b.lock.lock()
        defer { b.lock.unlock() }
        if let s = b.summary { return s }
        var s = Summary()
        if let p = b.pointer {
            var raw = tok_blocks_summary()
            // every distinct id's count, in the summary's own pass: there are at most as many as
            // ids added, and as the id limit
            var counts = [UInt64](repeating: 0, count: Swift.min(added, idLimit))
            let rc = counts.withUnsafeMutableBufferPointer { tok_blocks_summarize(p, &raw, $0.baseAddress, $0.count) }
            if rc != 0 { Self.outOfMemory() }
            withUnsafeBytes(of: raw.total) { s.total = $0.bindMemory(to: UInt64.self).map { Int($0) } }
            withUnsafeBytes(of: raw.distinct) { s.distinct = $0.bindMemory(to: UInt64.self).map { Int($0) } }
            withUnsafeBytes(of: raw.clog2c) { s.clog2c = Array($0.bindMemory(to: Double.self)) }
            withUnsafeBytes(of: raw.context_clog2c) { s.contextClog2c = Array($0.bindMemory(to: Double.self)) }
            s.unigramCounts = counts.prefix(s.distinct[1]).map { Int($0) }
        } else {
            func f(_ c: Int) -> Double { c > 1 ? Double(c) * log2(Double(c)) : 0 }
            for k in 1...maxOrder {
                let t = b.tables[k - 1]
                s.total[k] = t.total
                s.distinct[k] = t.distinct
                s.clog2c[k] = t.sumCLog2C
                guard k < maxOrder else { continue }
                // the marginal of the (k+1)-grams' first k ids: the k-grams less each text's last one
                var sum = t.sumCLog2C
                for (key, tail) in b.tables[maxOrder + k - 1].entries.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                    let c = t.count(of: key)
                    sum += f(c - tail) - f(c)
                }
                s.contextClog2c[k] = sum
            }
            s.unigramCounts = b.tables[0].entries.sorted { $0.key[0] < $1.key[0] }.map(\.count)
        }
        b.summary = s
        return s
    }
}

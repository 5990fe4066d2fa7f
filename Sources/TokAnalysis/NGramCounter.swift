internal import CTokKernels
import TokCore

/// Exact counts of token n-grams of one order (1…4), kept by the C kernel's partitioned hash
/// table (`tok_ngram.h`): a long sequence is scattered by partition and inserted a partition at
/// a time, so counting stays in cache instead of missing once per n-gram in one large table.
/// A value type: copies share the table until one of them is changed.
struct NGramCounter: @unchecked Sendable {   // the table is only changed through a unique reference
    private final class Table {
        let pointer: OpaquePointer
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
        deinit { tok_ngram_free(pointer) }
    }

    private var table: Table
    /// The number of ids per key.
    let order: Int

    /// An empty counter of `order`-grams (1…4).
    init(order: Int) {
        precondition((1...4).contains(order), "n-gram order 1...4")
        guard let p = tok_ngram_new(Int32(order)) else { Self.outOfMemory() }
        table = Table(p)
        self.order = order
    }

    private static func outOfMemory() -> Never {
        fatalError("out of memory counting token n-grams")
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&table) {
            guard let copy = tok_ngram_clone(table.pointer) else { Self.outOfMemory() }
            table = Table(copy)
        }
    }

    /// Adds every `order`-gram of a sequence of ids (none when it is shorter than the order).
    mutating func add(sequence ids: [UInt32]) {
        guard ids.count >= order else { return }
        makeUnique()
        let rc = ids.withUnsafeBufferPointer { tok_ngram_add_sequence(table.pointer, $0.baseAddress, $0.count) }
        if rc != 0 { Self.outOfMemory() }
    }

    /// Adds `times` occurrences of one key of `order` ids.
    mutating func add(_ key: [UInt32], times: Int = 1) {
        precondition(key.count == order && times >= 0)
        guard times > 0 else { return }
        makeUnique()
        if tok_ngram_add(table.pointer, key, UInt64(times)) != 0 { Self.outOfMemory() }
    }

    /// Adds every count of another counter of the same order.
    mutating func merge(_ other: NGramCounter) { merge(contentsOf: [other]) }

    /// Adds every count of several counters of the same order: the same as merging them one by
    /// one, but each partition of this table takes every counter's share while it is in cache,
    /// and (for 2^16 entries and more) the partitions are shared out among the cores.
    mutating func merge(contentsOf others: [NGramCounter]) {
        let sources = others.filter { $0.total > 0 }
        precondition(sources.allSatisfy { $0.order == order }, "merge counters of one order")
        if sources.isEmpty { return }
        if total == 0 && sources.count == 1 { self = sources[0]; return }
        makeUnique()
        let dst = table.pointer
        if sources.count == 1 {   // the kernel's own merge, whatever the key layouts
            if tok_ngram_merge(dst, sources[0].table.pointer) != 0 { Self.outOfMemory() }
            return
        }
        let pointers: [OpaquePointer?] = sources.map { $0.table.pointer }
        let ready = pointers.withUnsafeBufferPointer { tok_ngram_merge_begin(dst, $0.baseAddress, $0.count) }
        if ready == 1 {   // a source of another key layout: one by one
            for c in sources where tok_ngram_merge(dst, c.table.pointer) != 0 { Self.outOfMemory() }
            return
        }
        if ready != 0 { Self.outOfMemory() }
        let entries = sources.reduce(0) { $0 + $1.distinct }
        let bands = entries < 1 << 16 ? 1 : 32, per = Int(TOK_NGRAM_PARTS) / bands
        let sums = withExtendedLifetime(sources) {
            pointers.withUnsafeBufferPointer { sp in
                let job = _MergeJob(dst: dst, sources: sp)
                return _parallelMap(bands) { b in job.run(UInt32(b * per), UInt32((b + 1) * per)) }
            }
        }
        if sums.contains(where: { $0 == nil }) { Self.outOfMemory() }
        tok_ngram_merge_end(dst, sums.reduce(0) { $0 + $1!.distinct }, sums.reduce(0) { $0 + $1!.total })
    }

    /// The count of one key (0 when never added).
    func count(of key: [UInt32]) -> Int {
        precondition(key.count == order)
        return Int(tok_ngram_get(table.pointer, key))
    }

    /// Distinct keys.
    var distinct: Int { Int(tok_ngram_distinct(table.pointer)) }

    /// Occurrences added.
    var total: Int { Int(tok_ngram_total(table.pointer)) }

    /// Σ c·log₂ c over the distinct keys.
    var sumCLog2C: Double { tok_ngram_sum_clog2c(table.pointer) }

    /// The non-zero counts, in no particular order.
    var values: [Int] {
        let n = distinct
        var out = [UInt64](repeating: 0, count: n)
        let k = out.withUnsafeMutableBufferPointer { tok_ngram_counts(table.pointer, $0.baseAddress, n) }
        return out.prefix(k).map { Int($0) }
    }

    /// The keys with their counts, in no particular order.
    var entries: [(key: [UInt32], count: Int)] {
        let n = distinct
        var keys = [UInt32](repeating: 0, count: n * order)
        var counts = [UInt64](repeating: 0, count: n)
        let k = keys.withUnsafeMutableBufferPointer { kp in
            counts.withUnsafeMutableBufferPointer { tok_ngram_entries(table.pointer, kp.baseAddress, $0.baseAddress, n) }
        }
        return (0..<k).map { (Array(keys[$0 * order ..< ($0 + 1) * order]), Int(counts[$0])) }
    }
}

/// One partition-parallel merge's arguments, shared read-only by the workers (each writes only the
/// partitions of its own range).
private struct _MergeJob: @unchecked Sendable {
    let dst: OpaquePointer
    let sources: UnsafeBufferPointer<OpaquePointer?>

    /// Merges partitions first..<last; nil when memory ran out.
    func run(_ first: UInt32, _ last: UInt32) -> (distinct: UInt64, total: UInt64)? {
        var d: UInt64 = 0, t: UInt64 = 0
        let rc = tok_ngram_merge_parts(dst, sources.baseAddress, sources.count, first, last, &d, &t)
        return rc == 0 ? (d, t) : nil
    }
}

/// Counts of n-grams of up to four token ids: open addressing with a multiply-shift hash, one
/// array of entries (key words and count side by side: one cache line per probe). The default
/// Hasher's SipHash and three parallel arrays dominated the analysis profile before.
/// Unused id places hold 2^32 − 1, so no real key is (0, 0) with count 0.
struct NGramCounter: Sendable {
    struct Entry: Sendable {
        var a: UInt64
        var b: UInt64
        var count: Int
    }
    private(set) var entries: [Entry]
    private(set) var count = 0
    private(set) var total = 0

    init(capacity: Int = 1024) {
        var cap = 16
        while cap < capacity * 2 { cap *= 2 }
        entries = Array(repeating: Entry(a: 0, b: 0, count: 0), count: cap)
    }

    @inline(__always)
    private static func slot(_ a: UInt64, _ b: UInt64, _ mask: Int) -> Int {
        let h = (a &* 0x9E37_79B9_7F4A_7C15) ^ (b &* 0xC2B2_AE3D_27D4_EB4F)
        return Int(truncatingIfNeeded: ((h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9) >> 20) & mask
    }

    /// Adds `n` occurrences of the key; returns true when the key is new.
    @inline(__always)
    private static func insert(_ e: UnsafeMutableBufferPointer<Entry>, _ a: UInt64, _ b: UInt64, _ n: Int) -> Bool {
        let mask = e.count - 1
        var i = slot(a, b, mask)
        while e[i].count != 0 {
            if e[i].a == a && e[i].b == b {
                e[i].count += n
                return false
            }
            i = (i + 1) & mask
        }
        e[i] = Entry(a: a, b: b, count: n)
        return true
    }

    /// Adds `n` occurrences of the key.
    mutating func add(_ a: UInt64, _ b: UInt64, _ n: Int = 1) {
        if (count + 1) * 2 > entries.count { grow(to: entries.count * 2) }
        let new = entries.withUnsafeMutableBufferPointer { Self.insert($0, a, b, n) }
        if new { count += 1 }
        total += n
    }

    /// Adds every n-gram (n = 1…4) of a sequence of ids (each below 2^32). The table grows
    /// with the distinct n-grams actually seen (in chunks that cannot overfill it), not with the
    /// length of the sequence.
    mutating func addNGrams(_ ids: [UInt64], n: Int) {
        guard ids.count >= n else { return }
        let m = ids.count - n + 1
        let none: UInt64 = 0xFFFF_FFFF
        var i = 0
        while i < m {
            if (count + 1024) * 2 > entries.count { grow(to: entries.count * 2) }
            let room = entries.count / 2 - count          // new keys this chunk may add
            let end = Swift.min(m, i + room)
            var added = 0
            ids.withUnsafeBufferPointer { p in
                entries.withUnsafeMutableBufferPointer { e in
                    for j in i..<end {
                        let a = p[j] << 32 | (n > 1 ? p[j + 1] : none)
                        let b = (n > 2 ? p[j + 2] : none) << 32 | (n > 3 ? p[j + 3] : none)
                        if Self.insert(e, a, b, 1) { added += 1 }
                    }
                }
            }
            count += added
            total += end - i
            i = end
        }
    }

    private mutating func grow(to capacity: Int) {
        var bigger = NGramCounter(capacity: capacity / 2)
        bigger.entries.withUnsafeMutableBufferPointer { e in
            for x in entries where x.count != 0 { _ = Self.insert(e, x.a, x.b, x.count) }
        }
        bigger.count = count
        bigger.total = total
        self = bigger
    }

    /// Merges another counter into this one.
    mutating func merge(_ other: NGramCounter) {
        if (count + other.count) * 2 > entries.count {
            var cap = entries.count
            while (count + other.count) * 2 > cap { cap *= 2 }
            grow(to: cap)
        }
        var added = 0
        entries.withUnsafeMutableBufferPointer { e in
            for x in other.entries where x.count != 0 { if Self.insert(e, x.a, x.b, x.count) { added += 1 } }
        }
        count += added
        total += other.total
    }

    /// The non-zero counts.
    var values: [Int] { entries.compactMap { $0.count != 0 ? $0.count : nil } }

    /// Calls body with each key and count.
    func forEach(_ body: (UInt64, UInt64, Int) -> Void) {
        for x in entries where x.count != 0 { body(x.a, x.b, x.count) }
    }
}

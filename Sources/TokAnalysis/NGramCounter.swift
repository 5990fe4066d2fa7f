/// Counts of n-grams of up to four token ids: open addressing with a multiply-shift hash (the
/// default Hasher's SipHash dominated the analysis profile). Keys are two words; (0, 0) never
/// occurs as a key because unused id places hold 2^32 − 1.
struct NGramCounter: Sendable {
    private(set) var keysA: [UInt64]
    private(set) var keysB: [UInt64]
    private(set) var counts: [Int]
    private(set) var count = 0
    private(set) var total = 0
    private var mask: Int

    init(capacity: Int = 1024) {
        var cap = 16
        while cap < capacity * 2 { cap *= 2 }
        keysA = Array(repeating: 0, count: cap)
        keysB = Array(repeating: 0, count: cap)
        counts = Array(repeating: 0, count: cap)
        mask = cap - 1
    }

    @inline(__always)
    private static func slot(_ a: UInt64, _ b: UInt64, _ mask: Int) -> Int {
        let h = (a &* 0x9E37_79B9_7F4A_7C15) ^ (b &* 0xC2B2_AE3D_27D4_EB4F)
        return Int(truncatingIfNeeded: (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9 >> 20) & mask
    }

    /// Adds `n` occurrences of the key.
    mutating func add(_ a: UInt64, _ b: UInt64, _ n: Int = 1) {
        if (count + 1) * 2 > counts.count { grow() }
        var i = Self.slot(a, b, mask)
        while counts[i] != 0 {
            if keysA[i] == a && keysB[i] == b {
                counts[i] += n
                total += n
                return
            }
            i = (i + 1) & mask
        }
        keysA[i] = a
        keysB[i] = b
        counts[i] = n
        count += 1
        total += n
    }

    private mutating func grow() {
        var bigger = NGramCounter(capacity: counts.count)
        for i in counts.indices where counts[i] != 0 { bigger.add(keysA[i], keysB[i], counts[i]) }
        self = bigger
    }

    /// Merges another counter into this one.
    mutating func merge(_ other: NGramCounter) {
        for i in other.counts.indices where other.counts[i] != 0 { add(other.keysA[i], other.keysB[i], other.counts[i]) }
    }

    /// The non-zero counts.
    var values: [Int] { counts.filter { $0 != 0 } }

    /// Calls body with each key and count.
    func forEach(_ body: (UInt64, UInt64, Int) -> Void) {
        for i in counts.indices where counts[i] != 0 { body(keysA[i], keysB[i], counts[i]) }
    }
}

import Foundation

/// A non-negative integer of any size: exact counts of segmentations, which grow exponentially
/// with the length of a string.
public struct BigCount: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Little-endian 32-bit limbs, no trailing zero limbs (zero is empty).
    var limbs: [UInt32]

    /// Zero.
    public static let zero = BigCount(limbs: [])
    /// One.
    public static let one = BigCount(limbs: [1])

    init(limbs: [UInt32]) {
        var l = limbs
        while l.last == 0 { l.removeLast() }
        self.limbs = l
    }

    /// A count from a machine integer.
    public init(_ v: UInt64) {
        self.init(limbs: [UInt32(truncatingIfNeeded: v), UInt32(truncatingIfNeeded: v >> 32)])
    }

    /// Whether the count is zero.
    public var isZero: Bool { limbs.isEmpty }

    /// The value when it fits 64 bits, else nil.
    public var uint64Value: UInt64? {
        switch limbs.count {
        case 0: return 0
        case 1: return UInt64(limbs[0])
        case 2: return UInt64(limbs[1]) << 32 | UInt64(limbs[0])
        default: return nil
        }
    }

    /// The value, or UInt64.max when it does not fit (a saturating count).
    public var saturated: UInt64 { uint64Value ?? .max }

    /// log2 of the value (nil for zero); exact enough for reports of huge counts.
    public var log2: Double? {
        guard let top = limbs.last else { return nil }
        let hi = Double(top) + (limbs.count > 1 ? Double(limbs[limbs.count - 2]) / 4294967296.0 : 0)
        return Foundation.log2(hi) + Double(32 * (limbs.count - 1))
    }

    public static func + (a: BigCount, b: BigCount) -> BigCount {
        var r = a
        r.add(b)
        return r
    }

    mutating func add(_ b: BigCount) {
        if b.limbs.count > limbs.count { limbs += [UInt32](repeating: 0, count: b.limbs.count - limbs.count) }
        var carry: UInt64 = 0
        for i in 0..<limbs.count {
            let s = UInt64(limbs[i]) + (i < b.limbs.count ? UInt64(b.limbs[i]) : 0) + carry
            limbs[i] = UInt32(truncatingIfNeeded: s)
            carry = s >> 32
            if carry == 0 && i >= b.limbs.count - 1 { break }
        }
        if carry != 0 { limbs.append(UInt32(carry)) }
    }

    /// a - b; requires a >= b.
    static func - (a: BigCount, b: BigCount) -> BigCount {
        var r = a.limbs
        var borrow: Int64 = 0
        for i in 0..<r.count {
            var d = Int64(r[i]) - (i < b.limbs.count ? Int64(b.limbs[i]) : 0) - borrow
            borrow = 0
            if d < 0 { d += 1 << 32; borrow = 1 }
            r[i] = UInt32(d)
        }
        return BigCount(limbs: r)
    }

    public static func < (a: BigCount, b: BigCount) -> Bool {
        if a.limbs.count != b.limbs.count { return a.limbs.count < b.limbs.count }
        for i in stride(from: a.limbs.count - 1, through: 0, by: -1) where a.limbs[i] != b.limbs[i] {
            return a.limbs[i] < b.limbs[i]
        }
        return false
    }

    /// A uniformly random value in 0..<self (self must not be zero).
    func random<G: RandomNumberGenerator>(using rng: inout G) -> BigCount {
        let top = limbs.last!
        let mask: UInt32 = top == UInt32.max ? .max : (UInt32(1) << (32 - top.leadingZeroBitCount)) - 1
        while true {
            var l = (0..<limbs.count).map { _ in UInt32.random(in: 0...UInt32.max, using: &rng) }
            l[l.count - 1] &= mask
            let r = BigCount(limbs: l)
            if r < self { return r }
        }
    }

    /// Decimal digits.
    public var description: String {
        if limbs.isEmpty { return "0" }
        var parts: [UInt32] = []
        var n = limbs
        while !n.isEmpty {
            var rem: UInt64 = 0
            for i in stride(from: n.count - 1, through: 0, by: -1) {
                let cur = rem << 32 | UInt64(n[i])
                n[i] = UInt32(cur / 1_000_000_000)
                rem = cur % 1_000_000_000
            }
            while n.last == 0 { n.removeLast() }
            parts.append(UInt32(rem))
        }
        var s = String(parts.last!)
        for p in parts.dropLast().reversed() {
            let d = String(p)
            s += String(repeating: "0", count: 9 - d.count) + d
        }
        return s
    }
}

/// A seeded generator (SplitMix64), so every property test can print and replay its seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// The seed this generator started from.
    public let seed: UInt64

    /// A generator from a seed (the environment variable TOK_TEST_SEED overrides it when set).
    public init(seed: UInt64) {
        let env = getenvSeed()
        self.seed = env ?? seed
        self.state = self.seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }

    /// A random string of `count` scalars drawn from a mix of ASCII, Latin, CJK, marks, emoji
    /// and whitespace, with every Unicode scalar possible.
    public mutating func unicodeString(_ count: Int) -> String {
        var s = String.UnicodeScalarView()
        for _ in 0..<count {
            let r = Int.random(in: 0..<10, using: &self)
            let v: UInt32
            switch r {
            case 0...3: v = UInt32.random(in: 0x20...0x7E, using: &self)
            case 4: v = [0x20, 0x0A, 0x0D, 0x09, 0xA0, 0x3000, 0x2028][Int.random(in: 0..<7, using: &self)]
            case 5: v = UInt32.random(in: 0xC0...0x24F, using: &self)
            case 6: v = UInt32.random(in: 0x300...0x36F, using: &self)
            case 7: v = UInt32.random(in: 0x4E00...0x9FFF, using: &self)
            case 8: v = UInt32.random(in: 0x1F300...0x1FAFF, using: &self)
            default: v = UInt32.random(in: 0...0x10FFFF, using: &self)
            }
            if let u = Unicode.Scalar(v) { s.append(u) }
        }
        return String(s)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func getenvSeed() -> UInt64? {
    guard let p = getenv("TOK_TEST_SEED") else { return nil }
    return UInt64(String(cString: p))
}

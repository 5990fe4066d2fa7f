import Testing
@testable import TokCore
import TokTestSupport

/// The small strings HATSplitter.split makes without the standard library's validation must be
/// bit for bit the strings the standard library makes.
@Suite struct SmallStringTests {
    @Test func layoutCheckPassesOn64BitPlatforms() {
        #if arch(x86_64) || arch(arm64)
        #expect(_SmallString.enabled, "the small-string layout changed: split falls back to the slow path")
        #endif
    }

    @Test func madeStringsAreTheStandardLibrarysStrings() throws {
        try #require(_SmallString.enabled)
        var rng = SeededRandom(seed: 0x5EED_0515)
        var checked = 0
        for _ in 0..<20_000 {
            let text = rng.unicodeString(Int.random(in: 0...8, using: &rng))
            var bytes = Array(text.utf8)
            guard bytes.count <= 15 else { continue }
            let reference = String(decoding: bytes, as: UTF8.self)
            let count = bytes.count
            bytes += rng.bytes(16)  // garbage after the word must be masked off
            let made = bytes.withUnsafeBufferPointer { _SmallString.make($0.baseAddress!, count) }
            let a = unsafeBitCast(reference, to: (UInt64, UInt64).self)
            let b = unsafeBitCast(made, to: (UInt64, UInt64).self)
            #expect(a == b, "\(Array(reference.utf8))")
            #expect(Array(made.utf8) == Array(bytes[..<count]))
            #expect(made.unicodeScalars.count == reference.unicodeScalars.count)
            #expect(made.hashValue == reference.hashValue)
            checked += 1
        }
        #expect(checked > 10_000)
    }
}

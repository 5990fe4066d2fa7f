import CTokKernels
import Testing
import TokTestSupport

/// SHA-256 (the built-in vocabularies' check): FIPS 180-4's examples, and the processor's SHA
/// extensions (used where present) against the portable compression on every length around the
/// block and padding boundaries and on long random inputs at odd offsets.
@Suite struct SHA256Tests {
    static func hex(_ data: ArraySlice<UInt8>, portable: Bool = false) -> String {   // a slice: its own offset
        var d = [UInt8](repeating: 0, count: 32)
        data.withUnsafeBufferPointer { p in
            d.withUnsafeMutableBufferPointer { o in
                if portable { tok_sha256_portable(p.baseAddress, p.count, o.baseAddress) }
                else { tok_sha256(p.baseAddress, p.count, o.baseAddress) }
            }
        }
        let digits = Array("0123456789abcdef")
        return String(d.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    @Test func standardExamples() {
        for portable in [false, true] {
            #expect(Self.hex([], portable: portable) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            #expect(Self.hex(ArraySlice("abc".utf8), portable: portable) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            #expect(Self.hex(ArraySlice("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8), portable: portable)
                    == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
            #expect(Self.hex(ArraySlice(repeating: 0x61, count: 1_000_000), portable: portable)
                    == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        }
    }

    @Test func extensionsEqualPortable() {
        var rng = SeededRandom(seed: 0x5A256)
        let data = (0..<300_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for n in 0..<300 { #expect(Self.hex(data[..<n]) == Self.hex(data[..<n], portable: true), "length \(n)") }
        for _ in 0..<20 {
            let a = Int.random(in: 0..<64, using: &rng), b = Int.random(in: a...data.count, using: &rng)
            #expect(Self.hex(data[a..<b]) == Self.hex(data[a..<b], portable: true), "bytes \(a)..<\(b)")
        }
    }
}

internal import CTokKernels
import Dispatch
import Foundation
import Synchronization

/// Cores this process may use: the online processors, fewer when its CPU affinity says so
/// (`taskset`, cgroup cpusets), which `activeProcessorCount` does not look at on Linux.
let _systemCores: Int = Swift.min(ProcessInfo.processInfo.activeProcessorCount, Int(tok_cpu_count()))

/// Cores this process may use (at least 1); shared by the Tok modules.
package func _activeCores() -> Int { Swift.max(1, _systemCores) }

/// Runs body(0..<n) on all cores (work-stealing by index) and returns the results in order;
/// the first error in index order is thrown (a non-throwing body makes a non-throwing call).
/// Shared by the Tok modules and the CLI.
package func _parallelMap<T: Sendable, E: Error>(_ n: Int, _ body: @Sendable (Int) throws(E) -> T) throws(E) -> [T] {
    if n == 0 { return [] }
    let workers = Swift.min(n, _activeCores())
    if workers == 1 {
        var out = [T]()
        out.reserveCapacity(n)
        for i in 0..<n { out.append(try body(i)) }
        return out
    }
    let results = Mutex<[Result<T, E>?]>(Array(repeating: nil, count: n))
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        var local: [(Int, Result<T, E>)] = []
        while true {
            let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= n { break }
            do throws(E) { local.append((i, .success(try body(i)))) } catch { local.append((i, .failure(error))) }
        }
        results.withLock { r in for (i, v) in local { r[i] = v } }
    }
    let all = results.withLock { r in
        let taken = r
        r = []
        return taken
    }
    var out = [T]()
    out.reserveCapacity(n)
    for i in 0..<n { out.append(try all[i]!.get()) }
    return out
}

/// Runs body over the bytes of a sequence, contiguously (no copy when the sequence already is).
@inline(__always)
package func withBytes<Bytes: Sequence<UInt8>, R>(_ bytes: Bytes, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let r = bytes.withContiguousStorageIfAvailable(body) { return r }
    return Array(bytes).withUnsafeBufferPointer(body)
}

/// Strings of at most 15 bytes of valid UTF-8 made without the standard library's validation
/// and copies: the two 64-bit words of a small string written directly.
///
/// `String(unsafeUninitializedCapacity:)` copies a non-ASCII word twice and validates it; for
/// the million short words of a text that is a third of the time of splitting it. A small
/// string is, on 64-bit platforms, the UTF-8 bytes in its first 15 bytes and a discriminator
/// byte (`0xE0` ASCII, `0xA0` otherwise, or'ed with the count). That layout is the standard
/// library's, not a public contract, so ``enabled`` checks it once per process: the words
/// written here must be bit for bit the words of strings the standard library makes from the
/// same bytes (ASCII and not, every length 0…15); if any differ, callers take the ordinary path.
package enum _SmallString {
    /// Whether the layout check passed on this platform.
    package static let enabled: Bool = {
        guard MemoryLayout<String>.size == 16, UInt64(0x0102).littleEndian == 0x0102 else { return false }
        let samples: [[UInt8]] = [Array("abcdefghijklmno".utf8), Array("héllo wörld ñü".utf8),
                                  Array("日本語の文".utf8), Array("Ωμέγα".utf8), Array(" ⁂🙂x".utf8)]
        for sample in samples {
            var padded = sample
            padded += [UInt8](repeating: 0x5A, count: 16)
            for n in 0...min(15, sample.count) {
                let prefix = Array(sample[..<n])
                guard let reference = String(validating: prefix, as: UTF8.self) else { continue }  // cut inside a character
                let made = padded.withUnsafeBufferPointer { make($0.baseAddress!, n) }
                let a = unsafeBitCast(reference, to: (UInt64, UInt64).self)
                let b = unsafeBitCast(made, to: (UInt64, UInt64).self)
                if a != b { return false }
            }
        }
        return true
    }()

    /// The string of the `count` (0…15) bytes at `p`, which must be valid UTF-8, with 16 bytes
    /// readable at `p` (the bytes after `count` are read and masked off). Only when ``enabled``.
    @inline(__always)
    package static func make(_ p: UnsafePointer<UInt8>, _ count: Int) -> String {
        let raw = UnsafeRawPointer(p)
        var lo = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        var hi = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        if count < 8 {
            lo &= (1 &<< UInt64(count &* 8)) &- 1
            hi = 0
        } else {
            hi &= (1 &<< UInt64((count &- 8) &* 8)) &- 1
        }
        let ascii = (lo | hi) & 0x8080_8080_8080_8080 == 0
        let discriminator: UInt64 = (ascii ? 0xE0 : 0xA0) | UInt64(count)
        return unsafeBitCast((lo, hi | discriminator &<< 56), to: String.self)
    }
}

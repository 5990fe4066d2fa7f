import Dispatch
import Foundation
import Synchronization

/// Cores this process may use.
let _systemCores: Int = ProcessInfo.processInfo.activeProcessorCount

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

import Foundation
import TokCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func stderrWrite(_ s: String) {
    let bytes = Array(s.utf8)
    bytes.withUnsafeBytes { b in
        var off = 0
        while off < b.count {
            let n = Foundation.write(2, b.baseAddress! + off, b.count - off)
            if n <= 0 { if errno == EINTR { continue }; break }
            off += n
        }
    }
}

/// A progress line on stderr, redrawn at most five times a second, only when stderr is a terminal
/// (and not asked to be quiet); done() clears it.
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    private var last = Date.distantPast
    init(quiet: Bool = false) { enabled = !quiet && isatty(2) != 0 }
    func show(_ text: () -> String) {
        guard enabled, Date().timeIntervalSince(last) > 0.2 else { return }
        last = Date()
        stderrWrite("\r" + text() + "   ")
    }
    func done() { if enabled { stderrWrite("\r\u{1B}[K") } }
}

/// How an input path is named in messages and groups: `-` is stdin.
func inputName(_ path: String) -> String { path == "-" ? "stdin" : path }

/// Reads a whole file (or stdin for "-") into memory.
func readAll(path: String) throws -> [UInt8] {
    let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY)
    guard fd >= 0 else { throw CLIError("cannot open \(path): \(String(cString: strerror(errno)))") }
    defer { if fd != 0 { close(fd) } }
    var out = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw CLIError("cannot read \(path == "-" ? "standard input" : path): \(String(cString: strerror(errno)))")
        }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}

/// Calls body with each line of the input, newline included (the last line may lack one).
func forEachLine(path: String, batch: Int = 4096, _ body: ([ArraySlice<UInt8>]) throws -> Void) throws {
    let data = try readAll(path: path)
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    data.withUnsafeBufferPointer { buf in
        var i = 0
        while i < buf.count {
            if let p = memchr(buf.baseAddress! + i, 0x0A, buf.count - i) {
                let j = buf.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
                lines.append(data[start...j])
                start = j + 1
                i = j + 1
            } else { break }
        }
    }
    if start < data.count { lines.append(data[start...]) }
    var k = 0
    while k < lines.count {
        try body(Array(lines[k..<min(k + batch, lines.count)]))
        k += batch
    }
}

/// Buffered stdout.
final class Output {
    private var buf: [UInt8] = []
    init() { buf.reserveCapacity(1 << 20) }
    func write(_ s: String) { buf.append(contentsOf: s.utf8); flushIfFull() }
    func write<S: Sequence<UInt8>>(bytes: S) { buf.append(contentsOf: bytes); flushIfFull() }
    func writeInt(_ v: Int) { Self.append(v, to: &buf) }

    /// The ids in decimal, `separator` between them (one access to the buffer for the list).
    func writeInts(_ ids: [Int], separator: UInt8) {
        Self.append(ids, separator: separator, to: &buf)
        flushIfFull()
    }

    private static func append(_ ids: [Int], separator: UInt8, to buf: inout [UInt8]) {
        buf.reserveCapacity(buf.count + ids.count * 7)
        for (i, id) in ids.enumerated() {
            if i > 0 { buf.append(separator) }
            append(id, to: &buf)
        }
    }

    @inline(__always)
    private static func append(_ v: Int, to buf: inout [UInt8]) {
        if v >= 0 && v < 10 { buf.append(0x30 + UInt8(v)); return }
        var x = v.magnitude
        if v < 0 { buf.append(0x2D) }
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &tmp) { t in
            var n = 24
            while x > 0 { n -= 1; t[n] = UInt8(truncatingIfNeeded: 0x30 + x % 10); x /= 10 }
            buf.append(contentsOf: UnsafeRawBufferPointer(rebasing: t[n...]))
        }
    }
    func byte(_ b: UInt8) { buf.append(b) }

    /// A JSON string literal of bytes that are valid UTF-8 (checked by the caller).
    func writeJSONString(validUTF8 bytes: some Collection<UInt8>) {
        appendJSONString(validUTF8: bytes, to: &buf)
        flushIfFull()
    }

    private func flushIfFull() { if buf.count >= 1 << 20 { flush() } }
    func flush() {
        var off = 0
        buf.withUnsafeBytes { b in
            while off < b.count {
                let n = Foundation.write(1, b.baseAddress! + off, b.count - off)
                if n <= 0 { if errno == EINTR { continue }; break }
                off += n
            }
        }
        buf.removeAll(keepingCapacity: true)
    }
}

/// Reads a file (or stdin for "-") in pieces of about `size` bytes, each cut after its last line
/// feed (or, with no line feed, at a UTF-8 character boundary), so huge inputs stream in bounded
/// memory. The pieces concatenate to the input.
final class ChunkReader {
    private let fd: Int32
    private let path: String
    private let size: Int
    private var carry: [UInt8] = []
    private var eof = false

    /// Bytes of a regular file not read yet (a bound for sizing a piece); unbounded for a pipe.
    private var left: Int

    init(path: String, size: Int) throws {
        self.path = path
        self.size = Swift.max(1, size)
        fd = path == "-" ? 0 : open(path, O_RDONLY)
        guard fd >= 0 else { throw CLIError("cannot open \(path): \(String(cString: strerror(errno)))") }
        var st = stat()
        left = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : Int.max / 2
    }

    deinit { if fd > 0 { close(fd) } }

    /// The next piece, or nil at the end. Read straight into the piece's array, sized once (to
    /// the rest of a regular file when that is less than a piece): growing an array 1 MiB a read
    /// copied a 16 MB file five times over into fresh pages.
    func next() throws -> [UInt8]? {
        if eof && carry.isEmpty { return nil }
        // (at least 1 MiB more than the carry, should a regular file grow while it is read)
        let room = Swift.min(size + 1, carry.count + Swift.max(left, 1 << 20) + 1)
        var failure: Int32 = 0
        var buf = [UInt8](unsafeUninitializedCapacity: room) { b, count in
            count = carry.count
            carry.withUnsafeBufferPointer { c in
                if let base = c.baseAddress { b.baseAddress!.initialize(from: base, count: c.count) }
            }
            while !eof && count < size && count < room {
                let n = read(fd, b.baseAddress! + count, Swift.min(room - count, size - count + 1))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { eof = true; break }
                count += n
                left = Swift.max(0, left - n)
            }
        }
        carry = []
        if failure != 0 {
            throw CLIError("cannot read \(path == "-" ? "standard input" : path): \(String(cString: strerror(failure)))")
        }
        if buf.isEmpty { return nil }
        return eof ? buf : cut(&buf)
    }

    private func cut(_ buf: inout [UInt8]) -> [UInt8] {
        var end = buf.count
        if let nl = buf[..<Swift.min(size, buf.count)].lastIndex(of: 0x0A) {
            end = nl + 1
        } else {
            end = Swift.min(size, buf.count)
            while end > 0 && end < buf.count && buf[end] & 0xC0 == 0x80 { end -= 1 }
            if end == 0 { end = Swift.min(size, buf.count) }
        }
        carry = Array(buf[end...])
        buf.removeSubrange(end...)   // keeps the storage: no copy of the piece
        return buf
    }
}

// tok-bench: single-threaded throughput of Tok on files, in the same chunks peer-bench.py uses.
//
//   tok-bench load ENCODING                 first load in a fresh process (ms) and peak RSS
//   tok-bench encode ENCODING REPEAT FILE…  per file: bytes tokens best_s MBps (encode_ordinary)
//   tok-bench decode ENCODING REPEAT FILE…  per file: bytes best_s MBps (ids → bytes)
//   tok-bench batch ENCODING REPEAT FILE…   encodeOrdinaryBatch over the chunks, all cores
//   tok-bench merge ENCODING REPEAT FILE…   dynamic BPE: 64 × 2,048 tokens of the file, 1,000 merges
//   tok-bench hat - REPEAT FILE…            HAT words: split (Strings), ragged, padded (16 bytes),
//                                           and the padded fill alone beside zero-fill, plain stores
//                                           and memset of a non-zero byte; TOK_BENCH_SPLIT_ONLY=1 times split alone,
//                                           TOK_BENCH_PAD_ONLY=1 the padded fill alone (profiling)
import Foundation
import TokCore
import TokHierarchical
import TokDynamic

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func peakRSSMiB() -> Double {
    var ru = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &ru)
    return Double(ru.ru_maxrss) / 1024
}

/// The file cut as peer-bench.py cuts it, so every tool encodes identical pieces: decoded with
/// replacement, then cut at the first line end at or after every `chunk` characters (Python
/// string indices count code points).
func chunks(_ path: String, chunk: Int = 256 * 1024) -> (bytes: Int, pieces: [String]) {
    let data = FileManager.default.contents(atPath: path) ?? Data()
    let bytes = Array(String(decoding: data, as: UTF8.self).utf8)
    var pieces: [String] = []
    var start = 0
    while start < bytes.count {
        // advance `chunk` code points (bytes that are not continuation bytes start one)
        var i = start, seen = 0
        while i < bytes.count && seen < chunk {
            i += 1
            while i < bytes.count && bytes[i] & 0xC0 == 0x80 { i += 1 }
            seen += 1
        }
        while i < bytes.count && bytes[i] != 0x0A { i += 1 }
        let end = i < bytes.count ? i + 1 : bytes.count
        pieces.append(String(decoding: bytes[start..<end], as: UTF8.self))
        start = end
    }
    return (bytes.count, pieces)
}

func best(_ times: Int, _ body: () -> Int) -> (Double, Int) {
    var b = Double.infinity, r = 0
    for _ in 0..<times {
        let t = now()
        r = body()
        b = min(b, now() - t)
    }
    return (b, r)
}

let args = CommandLine.arguments
guard args.count >= 3 else {
    print("usage: tok-bench load|encode|decode|batch ENCODING [REPEAT FILE…]")
    exit(2)
}
let mode = args[1], encoding = args[2]
if mode == "load" {
    let t = now()
    let tok = try Tokenizer(named: encoding)
    let ms = (now() - t) * 1000
    _ = tok.encodeOrdinary("warm")
    print(String(format: "tool=tok mode=load encoding=%@ ms=%.2f peak_rss_mib=%.1f", encoding, ms, peakRSSMiB()))
    exit(0)
}
/// The padded fill alone (words already cut to 16 bytes), in bytes of Int32 ids and mask written per
/// second, beside the memory floor: allocating the same arrays, chunk by chunk, and zero-filling them.
func padFill(_ hat: HATSplitter, _ pieces: [String], _ n: Int, _ name: String, _ repeatCount: Int) {
    let cut = pieces.compactMap { try? hat.words($0, maxBytesPerWord: 16) }
    let layout = PaddedLayout(maxBytes: 16)
    let (s4, cells) = best(repeatCount) {
        cut.reduce(0) { acc, w in acc + ((try? w.padded(layout, as: Int32.self))?.ids.count ?? 0) }
    }
    let (s0, cells0) = best(repeatCount) {
        cut.reduce(0) { acc, w in
            let ids = [Int32](repeating: 0, count: w.count * layout.columns)
            let mask = [UInt8](repeating: 0, count: w.count * layout.columns)
            return acc + ids.count + Int(ids[ids.count / 2]) + Int(mask[mask.count / 3])
        }
    }
    precondition(cells == cells0)
    print(String(format: "tool=tok mode=padded-fill file=%@ cells=%d input_MBps=%.1f output_GBps=%.2f zero_fill_GBps=%.2f of_zero_fill=%.2f",
                 name, cells, Double(n) / s4 / 1e6, Double(cells * 5) / s4 / 1e9, Double(cells * 5) / s0 / 1e9, s0 / s4))
    // The whole text at once, an output far larger than the caches, written into buffers allocated
    // once (`writePadded`, as a runtime reusing a tensor's storage), beside memset of those buffers.
    guard let all = try? hat.words(pieces.joined(), maxBytesPerWord: 16) else { return }
    let total = all.count * layout.columns
    // Room for one prefix slot a row too (the "Learn Your Tokens" layout, timed last).
    let ids = UnsafeMutableBufferPointer<Int32>.allocate(capacity: total + all.count)
    let mask = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: total + all.count)
    let lengths = UnsafeMutableBufferPointer<Int32>.allocate(capacity: all.count)
    defer { ids.deallocate(); mask.deallocate(); lengths.deallocate() }
    // memset of the same bytes, with zero and with another byte, on one core and on all cores (each a
    // slice). Zero is not what a padded matrix holds, and this machine's memset writes zero twice as
    // fast as any other byte (string stores of zero take a fast path), so zero is shown apart.
    func fill(_ byte: Int32, _ parts: Int) -> Double {
        best(repeatCount) {
            nonisolated(unsafe) let ip = UnsafeMutableRawPointer(ids.baseAddress!), mp = UnsafeMutableRawPointer(mask.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: parts) { k in
                let a = total * 4 / parts * k, b = total * 4 / parts * (k + 1)
                memset(ip + a, byte, b - a)
                let c = total / parts * k, d = total / parts * (k + 1)
                memset(mp + c, byte, d - c)
            }
            return Int(ids[total / 2]) + Int(mask[total / 3])
        }.0
    }
    // Plain 16-byte stores of the same bytes (what memset's string instructions are not), on one
    // core and on all cores (the fill of a whole text uses all cores), each core a slice.
    func stores(_ parts: Int) -> Double {
        best(repeatCount) {
            nonisolated(unsafe) let ip = UnsafeMutableRawPointer(ids.baseAddress!), mp = UnsafeMutableRawPointer(mask.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: parts) { k in
                let v = SIMD4<Int32>(1, 2, 3, 4), m = SIMD16<UInt8>(repeating: 1) &+ SIMD16<UInt8>(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1)
                let a = total * 4 / parts * k & ~15, b = k + 1 == parts ? total * 4 - 15 : total * 4 / parts * (k + 1) & ~15
                for i in stride(from: a, to: b, by: 16) { ip.storeBytes(of: v, toByteOffset: i, as: SIMD4<Int32>.self) }
                let c = total / parts * k & ~15, d = k + 1 == parts ? total - 15 : total / parts * (k + 1) & ~15
                for i in stride(from: c, to: d, by: 16) { mp.storeBytes(of: m, toByteOffset: i, as: SIMD16<UInt8>.self) }
            }
            return Int(ids[total / 2]) + Int(mask[total / 3])
        }.0
    }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    memset(ids.baseAddress!, 1, total * 4)  // the pages mapped first, as in a buffer reused batch after batch
    memset(mask.baseAddress!, 1, total)
    let (s6, _) = best(repeatCount) { (try? all.writePadded(layout, ids: ids, mask: mask, lengths: lengths)) == nil ? 0 : 1 }
    let s9 = stores(cores), m1 = fill(0x5A, 1), mAll = fill(0x5A, cores), z1 = fill(0, 1)
    let gbps = { (s: Double) in Double(total * 5) / s / 1e9 }
    print(String(format: "tool=tok mode=padded-whole file=%@ cells=%d output_GBps=%.2f stores_allcores_GBps=%.2f memset5A_1core_GBps=%.2f memset5A_allcores_GBps=%.2f memset0_1core_GBps=%.2f of_allcore_stores=%.2f of_best_memset5A=%.2f",
                 name, total, gbps(s6), gbps(s9), gbps(m1), gbps(mAll), gbps(z1), s9 / s6, Swift.min(m1, mAll) / s6))
    // With one prefix slot a row (17 columns): rows are not 16-byte aligned, so a streamed fill goes
    // through the staging buffer. Rate against the same run's best memset of a non-zero byte.
    let prefixed = PaddedLayout(maxBytes: 16, prefixIDs: [1])
    let cells17 = all.count * prefixed.columns
    let (s10, _) = best(repeatCount) { (try? all.writePadded(prefixed, ids: ids, mask: mask, lengths: lengths)) == nil ? 0 : 1 }
    let memsetGBps = Swift.max(gbps(m1), gbps(mAll)), out17 = Double(cells17 * 5) / s10 / 1e9
    print(String(format: "tool=tok mode=padded-whole-prefix file=%@ cells=%d output_GBps=%.2f of_best_memset5A_rate=%.2f",
                 name, cells17, out17, out17 / memsetGBps))
}

if mode == "hat" {
    // HAT words: `split` (an array of Strings, as the reference returns), `substrings`, the ragged layout
    // (WordSequence), and the padded Int32 layout of words cut to 16 bytes.
    let hat = HATSplitter()
    let repeatCount = Int(args[3]) ?? 3
    for path in args.dropFirst(4) {
        let (n, pieces) = chunks(path)
        let name = URL(fileURLWithPath: path).lastPathComponent
        if ProcessInfo.processInfo.environment["TOK_BENCH_PAD_ONLY"] != nil {  // for profiling
            padFill(hat, pieces, n, name, repeatCount)
            continue
        }
        let (s1, w1) = best(repeatCount) { pieces.reduce(0) { $0 + hat.split($1).count } }
        if ProcessInfo.processInfo.environment["TOK_BENCH_SPLIT_ONLY"] != nil {  // for profiling
            print(String(format: "tool=tok mode=hat file=%@ bytes=%d words=%d split_MBps=%.2f", name, n, w1, Double(n) / s1 / 1e6))
            continue
        }
        let (s2, w2) = best(repeatCount) { pieces.reduce(0) { $0 + ((try? hat.words($1))?.count ?? 0) } }
        let (s3, w3) = best(repeatCount) {
            pieces.reduce(0) { acc, p in
                guard let w = try? hat.words(p, maxBytesPerWord: 16),
                      let m = try? w.padded(PaddedLayout(maxBytes: 16), as: Int32.self) else { return acc }
                return acc + m.rows
            }
        }
        let (s5, w5) = best(repeatCount) { pieces.reduce(0) { $0 + hat.substrings($1).count } }
        precondition(w1 == w2 && w1 == w5, "split, words and substrings disagree")
        padFill(hat, pieces, n, name, repeatCount)
        print(String(format: "tool=tok mode=hat file=%@ bytes=%d words=%d split_MBps=%.2f substrings_MBps=%.2f ragged_MBps=%.2f padded16_MBps=%.2f padded16_rows=%d",
                     name, n, w1, Double(n) / s1 / 1e6, Double(n) / s5 / 1e6, Double(n) / s2 / 1e6, Double(n) / s3 / 1e6, w3))
    }
    exit(0)
}
if mode == "merge" {
    let tok = try Tokenizer(named: encoding)
    let repeatCount = Int(args[3]) ?? 3
    for path in args.dropFirst(4) {
        let ids = tok.encodeOrdinary(bytes: Array(FileManager.default.contents(atPath: path) ?? Data()))
        precondition(ids.count >= 64 * 2048, "need at least 131,072 tokens")
        let batch = (0..<64).map { Array(ids[($0 * 2048)..<(($0 + 1) * 2048)]) }
        let merger = DynamicMerger(tokenizer: tok)
        var result: DynamicBatch?
        let (s, _) = best(repeatCount) {
            result = try? merger.merge(batch, budget: .merges(1000))
            return result?.length ?? 0
        }
        print(String(format: "tool=tok mode=merge encoding=%@ file=%@ batch=64x2048 merges=%d best_s=%.4f reduction=%.3f",
                     encoding, URL(fileURLWithPath: path).lastPathComponent, result?.merges.count ?? 0, s, result?.reduction ?? 0))
    }
    exit(0)
}
let tok = try Tokenizer(named: encoding)
let repeatCount = Int(args[3]) ?? 3
for path in args.dropFirst(4) {
    let (n, pieces) = chunks(path)
    let name = URL(fileURLWithPath: path).lastPathComponent
    switch mode {
    case "encode":
        let (s, toks) = best(repeatCount) { pieces.reduce(0) { $0 + tok.encodeOrdinary($1).count } }
        print(String(format: "tool=tok mode=encode encoding=%@ file=%@ bytes=%d tokens=%d best_s=%.4f MBps=%.2f peak_rss_mib=%.1f",
                     encoding, name, n, toks, s, Double(n) / s / 1e6, peakRSSMiB()))
    case "split":
        let (s, pcs) = best(repeatCount) { pieces.reduce(0) { $0 + tok.preTokenize(bytes: $1.utf8).count } }
        print(String(format: "tool=tok mode=split encoding=%@ file=%@ bytes=%d pieces=%d best_s=%.4f MBps=%.2f",
                     encoding, name, n, pcs, s, Double(n) / s / 1e6))
    case "batch":
        let (s, toks) = best(repeatCount) { tok.encodeOrdinaryBatch(pieces).reduce(0) { $0 + $1.count } }
        print(String(format: "tool=tok mode=batch encoding=%@ file=%@ bytes=%d tokens=%d best_s=%.4f MBps=%.2f",
                     encoding, name, n, toks, s, Double(n) / s / 1e6))
    case "decode":
        let ids = pieces.map { tok.encodeOrdinary($0) }
        let (s, out) = best(repeatCount) { ids.reduce(0) { $0 + ((try? tok.decodeBytes($1).count) ?? 0) } }
        precondition(out == n, "decode returned \(out) bytes, expected \(n)")
        print(String(format: "tool=tok mode=decode encoding=%@ file=%@ bytes=%d best_s=%.4f MBps=%.2f",
                     encoding, name, n, s, Double(n) / s / 1e6))
    default:
        print("unknown mode \(mode)")
        exit(2)
    }
}

import ArgumentParser
import Foundation
import TokAnalysis
import TokCore

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compression and entropy statistics of tokenizers over files.",
        discussion: """
            Each file is one text (n-grams never cross files); directories are read recursively.
            Reports per file (--group-by file) or only the total, for every --vocab given.
            Undefined values (no tokens; an efficiency with one type) print as n/a, null in JSON.
            Metrics and their definitions: see AnalysisReport in the library, or the README.

            Examples:
              tok analyze --vocab cl100k_base --vocab o200k_base ../shared/corpus/udhr
              tok analyze --format json --group-by total corpus.txt > stats.json
              tok analyze --format csv --alpha 3 --zstd-levels 3 docs/ > stats.csv
              tok analyze --format html --group-by script --vocab r50k_base --vocab o200k_base udhr/ > report.html
            """)

    @Option(name: .long, help: "A vocabulary (built-in name or .tiktoken file); repeat for several.")
    var vocab: [String] = []

    @Option(name: .long, help: "Split pattern for vocabulary files.")
    var pattern: String?

    @Option(name: .customLong("group-by"),
            help: "file (a row per file), script (per ICU script of the words), tsv-column (see --column), or total. The total is always reported.")
    var groupBy: GroupBy = .file

    @Option(help: "With --group-by tsv-column: the 1-based column that names each line's group (also written `--group-by tsv-column N`).")
    var column: Int?

    @Option(name: .customLong("text-column"), help: "With --group-by tsv-column: the 1-based column holding the text (default: the last).")
    var textColumn: Int?

    @Flag(name: .customLong("no-header"), help: "With --group-by tsv-column: the first line is data, not a header.")
    var noHeader = false

    @Option(help: "Output: table, json, csv, or html (one self-contained page with SVG charts).")
    var format: OutputFormat = .table

    @Option(help: "Rényi order α.")
    var alpha: Double = 2.5

    @Option(name: .customLong("zstd-levels"), help: "zstd levels for the compression baselines, comma-separated.")
    var zstdLevels: String = "3,19"

    @Option(name: .customLong("chunk-mb"), help: "Inputs larger than this many MiB are read in pieces cut after a line feed; each piece is a text.")
    var chunkMB: Int = 32

    @Argument(help: "Files or directories (default: standard input).")
    var paths: [String] = []

    enum GroupBy: String, ExpressibleByArgument { case file, script, total, tsvColumn = "tsv-column" }
    enum OutputFormat: String, ExpressibleByArgument { case table, json, csv, html }

    mutating func validate() throws {
        guard alpha > 0 else { throw ValidationError("--alpha must be positive") }
        // `--group-by tsv-column N`: a number right after tsv-column is the column, unless a file
        // has that name.
        if groupBy == .tsvColumn, let first = paths.first, let n = Int(first), !FileManager.default.fileExists(atPath: first) {
            guard column == nil else { throw ValidationError("the column is given twice: --group-by tsv-column \(n) and --column") }
            column = n
            paths.removeFirst()
        }
        guard (column ?? 1) >= 1, (textColumn ?? 1) >= 1 else { throw ValidationError("columns are numbered from 1") }
        guard chunkMB >= 1 else { throw ValidationError("--chunk-mb must be at least 1") }
        for l in zstdLevels.split(separator: ",") where Int(l) == nil {
            throw ValidationError("--zstd-levels takes integers, got '\(l)'")
        }
    }

    func run() throws {
        try reportingErrors {
            let names = vocab.isEmpty ? ["cl100k_base"] : vocab
            let tokenizers = try names.map { try loadTokenizer($0, pattern: pattern, special: []) }
            var opts = AnalysisOptions()
            opts.alpha = alpha
            opts.zstdLevels = zstdLevels.split(separator: ",").compactMap { Int($0) }
            let options = opts
            let files = try expand(paths.isEmpty ? ["-"] : paths)
            var groups: [(String, [AnalysisReport])] = []
            var order: [String] = []
            var known = Set<String>()
            let progress = Progress(totalBytes: files.reduce(0) { $0 + ($1 == "-" ? 0 : fileSize($1)) })
            let mode = groupBy, keyColumn = column ?? 1, textCol = textColumn, header = !noHeader
            // Files (and pieces of large files) are analysed on all cores, a batch at a time
            // (memory: one batch of file data). Each worker adds its texts to its own analyzers
            // per group. A group is settled once no more text can come to it: its report is made
            // and its counts are merged into the total (so a text is counted once, not once for
            // its group and again for the total), and its tables are freed. Grouped by file, a
            // file's group is settled after the batch that holds its last piece, so memory holds
            // the total and one batch of groups; other groupings settle at the end.
            // A batch is up to 8 pieces per core (so that small files even out across cores) and at
            // most one chunk's worth of bytes per core.
            let cores = _activeCores()
            let batch = cores * 8
            let chunkBytes = chunkMB << 20
            let pool = AccumulatorPool(tokenizers: tokenizers, options: options)
            var total = tokenizers.map { CorpusAnalyzer(tokenizer: $0, options: options) }
            var reports: [String: [AnalysisReport]] = [:]
            func settle(_ keys: [String]) {
                let done = pool.take(Set(keys))
                let ready = keys.filter { done[$0] != nil }
                if groupBy != .total {   // each group's report on its own core
                    let made = _parallelMap(ready.count) { i in done[ready[i]]!.map { $0.report() } }
                    for (key, r) in zip(ready, made) { reports[key] = r }
                }
                for j in total.indices { total[j].merge(contentsOf: ready.map { done[$0]![j] }) }
            }
            // Files named once can be settled early when grouped by file.
            var named: [String: Int] = [:]
            for f in files { named[inputName(f), default: 0] += 1 }
            var finished: [String] = []   // files read to the end, not yet settled
            var pending: [(name: String, data: [UInt8], header: Bool)] = []
            var pendingBytes = 0
            func flush() {
                let work = pending
                let complete = finished   // every piece of these is in this batch or an earlier one
                pending = []
                pendingBytes = 0
                finished = []
                // as many workers as cores this process may use (_parallelMap), each file's group keys back
                let keys = _parallelMap(work.count) { i -> [String] in
                    let acc = pool.take()
                    var seen: [String] = []
                    for (key, text, measured) in units(work[i].data, file: work[i].name, mode: mode, column: keyColumn,
                                                       textColumn: textCol, header: work[i].header, zstdLevels: options.zstdLevels) {
                        acc.add(text, to: key, levels: options.zstdLevels, measures: measured)
                        seen.append(key)
                    }
                    pool.put(acc)
                    return seen
                }
                for i in work.indices {
                    for key in keys[i] where !known.contains(key) { known.insert(key); order.append(key) }
                    progress.advance(work[i].data.count)
                }
                if mode == .file { settle(complete.filter { named[$0] == 1 }) }
            }
            for f in files {
                let reader = try ChunkReader(path: f, size: chunkBytes)
                var firstPiece = true
                while let piece = try reader.next() {
                    // a TSV header is only in the first piece of a file
                    pending.append((inputName(f), piece, header && firstPiece))
                    firstPiece = false
                    pendingBytes += piece.count
                    if pending.count >= batch || pendingBytes >= cores * chunkBytes { flush() }
                }
                if firstPiece { pending.append((inputName(f), [], false)) } // an empty file is still a group
                finished.append(inputName(f))
            }
            if !pending.isEmpty { flush() }
            settle(order.filter { reports[$0] == nil })
            progress.done()
            if groupBy != .total {
                for key in order { groups.append((key, reports[key]!)) }
            }
            // One group holds every text: the total is that group, counts and all, so its
            // report is the group's (computed once, not twice).
            let single = groupBy != .total && order.count == 1 ? reports[order[0]] : nil
            groups.append(("total", single ?? total.map { $0.report() }))
            let out = Output()
            switch format {
            case .json: out.write(try jsonReport(groups))
            case .csv: out.write(csvReport(groups))
            case .table: out.write(tableReport(groups, levels: options.zstdLevels))
            case .html: out.write(htmlReport(groups, levels: options.zstdLevels))
            }
            out.flush()
        }
    }
}

/// Analyzers per group (one per tokenizer), filled by one worker at a time.
final class Accumulator: @unchecked Sendable {   // used by one thread at a time (AccumulatorPool)
    var byKey: [String: [CorpusAnalyzer]] = [:]
    let tokenizers: [Tokenizer]
    let options: AnalysisOptions
    init(tokenizers: [Tokenizer], options: AnalysisOptions) { self.tokenizers = tokenizers; self.options = options }

    /// Adds a text to a group (creating the group even for an empty text).
    func add(_ text: [UInt8], to key: String, levels: [Int], measures known: TextMeasures? = nil) {
        if byKey[key] == nil { byKey[key] = tokenizers.map { CorpusAnalyzer(tokenizer: $0, options: options) } }
        guard !text.isEmpty else { return }
        let analyzers = byKey[key]!
        if text.count >= 1 << 20 && _activeCores() > 1 {
            // A long text: ICU's words (and the text's zstd sizes) on one core while each
            // tokenizer encodes on another.
            // (Measures the grouping already made are not made again: no measuring worker then.)
            let measured = _Slot<TextMeasures>(), encoded = tokenizers.map { _ in _Slot<_AnalysisEncoding>() }
            measured.value = known
            let first = known == nil ? 0 : 1
            DispatchQueue.concurrentPerform(iterations: tokenizers.count + 1 - first) { k in
                let i = k + first
                if i == 0 { measured.value = TextMeasures(text, zstdLevels: levels) }
                else { encoded[i - 1].value = analyzers[i - 1].encoding(of: text) }
            }
            for j in tokenizers.indices { byKey[key]![j].add(text, encoding: encoded[j].value!, measures: measured.value!) }
            return
        }
        let measures = known ?? TextMeasures(text, zstdLevels: levels)   // segmented and compressed once for every tokenizer
        for j in tokenizers.indices { byKey[key]![j].add(text, measures: measures) }
    }
}

/// One result of a parallel step, written by one worker and read after the step.
final class _Slot<T>: @unchecked Sendable {
    var value: T?
}

/// Accumulators for the workers: each takes one, fills it, and gives it back.
final class AccumulatorPool: @unchecked Sendable {   // guarded by the lock
    private var free: [Accumulator] = []
    private var all: [Accumulator] = []
    private let lock = NSLock()
    let tokenizers: [Tokenizer]
    let options: AnalysisOptions
    init(tokenizers: [Tokenizer], options: AnalysisOptions) { self.tokenizers = tokenizers; self.options = options }

    func take() -> Accumulator {
        lock.lock(); defer { lock.unlock() }
        if let a = free.popLast() { return a }
        let a = Accumulator(tokenizers: tokenizers, options: options)
        all.append(a)
        return a
    }

    func put(_ a: Accumulator) { lock.lock(); free.append(a); lock.unlock() }

    /// The analyzers of these groups, merged over the accumulators and taken out of them (call
    /// between batches, when no worker holds an accumulator).
    func take(_ keys: Set<String>) -> [String: [CorpusAnalyzer]] {
        lock.lock(); defer { lock.unlock() }
        var found: [String: [[CorpusAnalyzer]]] = [:]   // per key, each accumulator's analyzers
        for a in all {
            for key in keys {
                if let per = a.byKey.removeValue(forKey: key) { found[key, default: []].append(per) }
            }
        }
        // the first accumulator's analyzers take the others' counts, all at once per tokenizer;
        // each list is taken out of `found` and its first entry out of the list, so that nothing
        // else holds those analyzers' counts and the merge adds to them in place (a copy still
        // referenced elsewhere made every merge clone the first worker's counter: on UDHR with
        // two workers, a sixth of the run's page faults)
        var merged: [String: [CorpusAnalyzer]] = [:]
        for key in Array(found.keys) {
            var list = found.removeValue(forKey: key)!
            var first = list.removeFirst()
            if !list.isEmpty { for j in first.indices { first[j].merge(contentsOf: list.map { $0[j] }) } }
            merged[key] = first
        }
        return merged
    }
}

/// The (group, text) units of one file under a grouping, with the text's measures where the
/// grouping already made them (script runs: the file is segmented into words once for both).
func units(_ data: [UInt8], file: String, mode: Analyze.GroupBy, column: Int, textColumn: Int?, header: Bool,
           zstdLevels: [Int]) -> [(String, [UInt8], TextMeasures?)] {
    switch mode {
    case .file:
        return [(file, data, nil)]
    case .total:
        return [("total", data, nil)]
    case .script:
        return ScriptRuns.measuredRuns(data, zstdLevels: zstdLevels).map { ($0.script, $0.text, $0.measures) }
    case .tsvColumn:
        var out: [(String, [UInt8], TextMeasures?)] = []
        var first = true
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: true) {
            if first && header { first = false; continue }
            first = false
            let fields = line.split(separator: 0x09, omittingEmptySubsequences: false)
            guard column <= fields.count else { continue }
            let t = textColumn.map { $0 <= fields.count ? fields[$0 - 1] : [][...] } ?? fields[fields.count - 1]
            out.append((String(decoding: fields[column - 1], as: UTF8.self), Array(t), nil))
        }
        return out
    }
}

/// Files under the paths, directories recursively, in a stable order.
func expand(_ paths: [String]) throws -> [String] {
    var out: [String] = []
    let fm = FileManager.default
    for p in paths {
        var isDir: ObjCBool = false
        if p == "-" { out.append(p); continue }
        guard fm.fileExists(atPath: p, isDirectory: &isDir) else { throw CLIError("no such file or directory: \(p)") }
        if isDir.boolValue {
            let items = (fm.enumerator(atPath: p)?.allObjects as? [String] ?? []).sorted()
            for item in items {
                let full = (p as NSString).appendingPathComponent(item)
                var d: ObjCBool = false
                if fm.fileExists(atPath: full, isDirectory: &d), !d.boolValue { out.append(full) }
            }
        } else {
            out.append(p)
        }
    }
    return out
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}

/// Analysis progress (bytes, MB/s, ETA) on the terminal's progress line.
final class Progress {
    let total: Int
    var done_ = 0
    let start = Date()
    let line = ProgressLine()
    init(totalBytes: Int) { total = totalBytes }
    func advance(_ n: Int) {
        done_ += n
        line.show {
            let secs = Date().timeIntervalSince(start)
            let rate = Double(done_) / Swift.max(secs, 1e-6)
            let eta = total > done_ && rate > 0 ? Double(total - done_) / rate : 0
            return String(format: "%.1f/%.1f MB  %.1f MB/s  ETA %.0fs", Double(done_) / 1e6, Double(total) / 1e6, rate / 1e6, eta)
        }
    }
    func done() { line.done() }
}

func jsonReport(_ groups: [(String, [AnalysisReport])]) throws -> String {
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys]
    var parts: [String] = []
    for (name, reports) in groups {
        let r = String(decoding: try enc.encode(reports), as: UTF8.self)
        parts.append("{\"group\":\(jsonString(Array(name.utf8))),\"reports\":\(r)}")
    }
    return "{\"groups\":[" + parts.joined(separator: ",") + "]}\n"
}

private func fmt(_ v: Double?, _ digits: Int = 3) -> String {
    guard let v, v.isFinite else { return "n/a" }
    return String(format: "%.\(digits)f", v)
}

func csvReport(_ groups: [(String, [AnalysisReport])]) -> String {
    let keys = ["bytes_per_token", "chars_per_token", "tokens_per_word", "tokens_per_whitespace_word", "tokens_per_line",
                "split_word_ratio", "shannon_entropy", "shannon_efficiency", "renyi_entropy", "renyi_efficiency",
                "renyi_efficiency_vocab", "vocab_utilization", "bits", "seq_len", "perc_freq", "token_bits_per_byte"]
    var out = "group,tokenizer,tokens,bytes,chars,words,whitespace_words,lines,types," + keys.joined(separator: ",")
    let levels = groups.first?.1.first.map { $0.zstdBitsPerByte.keys.sorted { Int($0)! < Int($1)! } } ?? []
    let ks = groups.first?.1.first.map { $0.conditionalEntropy.keys.sorted() } ?? []
    out += ks.map { ",conditional_entropy_\($0)" }.joined()
    out += levels.map { ",zstd_bits_per_byte_\($0),zstd_token_stream_bits_per_byte_\($0)" }.joined() + "\n"
    for (name, reports) in groups {
        for r in reports {
            let vals: [Double?] = [r.bytesPerToken, r.charsPerToken, r.tokensPerWord, r.tokensPerWhitespaceWord, r.tokensPerLine,
                                   r.splitWordRatio, r.shannonEntropy, r.shannonEfficiency, r.renyiEntropy, r.renyiEfficiency,
                                   r.renyiEfficiencyVocab, r.vocabUtilization, r.bits, r.seqLen, r.percFreq, r.tokenBitsPerByte]
            let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            out += "\(quoted),\(r.tokenizer),\(r.tokens),\(r.bytes),\(r.chars),\(r.words),\(r.whitespaceWords),\(r.lines),\(r.types),"
            out += vals.map { $0.map { String($0) } ?? "" }.joined(separator: ",")
            out += ks.map { k in "," + ((r.conditionalEntropy[k] ?? nil).map { String($0) } ?? "") }.joined()
            out += levels.map { l in
                "," + ((r.zstdBitsPerByte[l] ?? nil).map { String($0) } ?? "") + "," + ((r.zstdTokenStreamBitsPerByte[l] ?? nil).map { String($0) } ?? "")
            }.joined()
            out += "\n"
        }
    }
    return out
}

func tableReport(_ groups: [(String, [AnalysisReport])], levels: [Int]) -> String {
    var out = ""
    let z = levels.first.map(String.init)
    let header = ["group", "tokenizer", "tokens", "bytes/tok", "chars/tok", "tok/word", "split%", "H", "H_eff",
                  "Renyi_eff", "util%", "H(T|T-1)", z.map { "zstd\($0) bpb" } ?? "zstd bpb", "tok bpb"]
    var rows: [[String]] = [header]
    for (name, reports) in groups {
        for r in reports {
            rows.append([name, r.tokenizer, String(r.tokens), fmt(r.bytesPerToken, 2), fmt(r.charsPerToken, 2), fmt(r.tokensPerWord, 2),
                         fmt(r.splitWordRatio.map { $0 * 100 }, 1), fmt(r.shannonEntropy, 2), fmt(r.shannonEfficiency),
                         fmt(r.renyiEfficiency), fmt(r.vocabUtilization.map { $0 * 100 }, 2),
                         fmt(r.conditionalEntropy["1"] ?? nil, 2), fmt(z.flatMap { r.zstdBitsPerByte[$0] ?? nil }, 2),
                         fmt(r.tokenBitsPerByte, 2)])
        }
    }
    let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max() ?? 0 }
    for (i, row) in rows.enumerated() {
        out += row.enumerated().map { (c, v) in c < 2 ? v.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                                                    : String(repeating: " ", count: widths[c] - v.count) + v }.joined(separator: "  ") + "\n"
        if i == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
    }
    return out
}

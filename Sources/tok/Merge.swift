import ArgumentParser
import Foundation
import TokCore
import TokDynamic

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Dynamic batch-level BPE: merge frequent token pairs within each batch of texts.",
        discussion: """
            Each input line (or jsonl record) is a text, encoded with --vocab; texts are grouped into
            batches of --batch, and each batch gets its own merges (Feher et al., "Retrofitting (Large)
            Language Models with Dynamic Tokenization"): the most frequent valid adjacent pair of the
            batch is merged everywhere, left to right, ties to the first occurrence, until the budget
            is spent or no valid pair is left.

            Output, one JSON object per text: its base ids, and the units as [start, end) spans of
            base-token indices ("units" adds each unit's text with --show-units). A summary with the
            achieved reduction goes to stderr.

            Examples:
              tok merge --merges 100 --batch 32 corpus.txt
              tok merge --vocab o200k_base --reduce 20% --boundary word --input jsonl data.jsonl
            """)

    @OptionGroup var vocab: VocabOptions

    @Option(help: "Merges per batch.")
    var merges: Int?

    @Option(help: "Target reduction of each batch's length, e.g. 20% (merge until reached or no pair is left).")
    var reduce: String?

    @Option(help: "Boundary: pretokens, word, word_hyphen or sentence.")
    var boundary: String = "pretokens"

    @Option(help: "Texts per batch.")
    var batch: Int = 32

    @Option(help: "Input: raw (one text per line) or jsonl (one JSON string, or object, per line).")
    var input: InputFormat = .raw

    @Option(help: "With --input jsonl: the object field that holds the text.")
    var field: String = "text"

    @Flag(help: "Also print each unit's text.")
    var showUnits = false

    @Flag(help: "Also print each batch's merges (as a {\"merges\": …} line before its texts).")
    var showMerges = false

    @Argument(help: "Files (default: standard input).")
    var files: [String] = []

    func validate() throws {
        if (merges == nil) == (reduce == nil) { throw ValidationError("give exactly one of --merges N and --reduce P%") }
        if let m = merges, m < 0 { throw ValidationError("--merges must not be negative") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if MergeBoundary(rawValue: boundary) == nil {
            throw ValidationError("--boundary must be one of \(MergeBoundary.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        try reportingErrors {
            let tok = try vocab.load()
            let budget: MergeBudget
            if let m = merges {
                budget = .merges(m)
            } else {
                var r = reduce!.trimmingCharacters(in: .whitespaces)
                let percent = r.hasSuffix("%")
                if percent { r.removeLast() }
                guard let v = Double(r), v >= 0 else { throw CLIError("--reduce expects a fraction or a percentage, got '\(reduce!)'") }
                let f = percent || v >= 1 ? v / 100 : v
                guard f < 1 else { throw CLIError("--reduce must be below 100%") }
                budget = .reduction(f)
            }
            let merger = DynamicMerger(tokenizer: tok, boundary: MergeBoundary(rawValue: boundary)!)
            var texts: [[UInt8]] = []
            for path in files.isEmpty ? ["-"] : files {
                switch input {
                case .jsonl: texts += try readJSONLTexts(path: path, field: field)
                case .raw: try forEachLine(path: path) { chunk in texts += chunk.map { Array($0) } }
                }
            }
            let out = Output()
            var base = 0, units = 0, nMerges = 0, batches = 0
            var start = 0
            while start < texts.count {
                let group = texts[start..<min(start + batch, texts.count)]
                let ids = group.map { tok.encodeOrdinary(bytes: $0) }
                let r = try merger.merge(ids, budget: budget)
                batches += 1
                base += r.baseLength
                units += r.length
                nMerges += r.merges.count
                if showMerges {
                    out.write("{\"merges\":[")
                    for (k, m) in r.merges.enumerated() {
                        if k > 0 { out.byte(UInt8(ascii: ",")) }
                        out.write("[" + jsonString(m.left) + "," + jsonString(m.right) + ",")
                        out.writeInt(m.occurrences)
                        out.byte(UInt8(ascii: "]"))
                    }
                    out.write("]}\n")
                }
                for (i, seq) in r.units.enumerated() {
                    out.write("{\"ids\":[")
                    for (k, id) in r.base[i].enumerated() {
                        if k > 0 { out.byte(UInt8(ascii: ",")) }
                        out.writeInt(id)
                    }
                    out.write("],\"spans\":[")
                    for (k, u) in seq.enumerated() {
                        if k > 0 { out.byte(UInt8(ascii: ",")) }
                        out.byte(UInt8(ascii: "["))
                        out.writeInt(u.span.lowerBound)
                        out.byte(UInt8(ascii: ","))
                        out.writeInt(u.span.upperBound)
                        out.byte(UInt8(ascii: "]"))
                    }
                    out.byte(UInt8(ascii: "]"))
                    if showUnits {
                        out.write(",\"units\":[")
                        for (k, u) in seq.enumerated() {
                            if k > 0 { out.byte(UInt8(ascii: ",")) }
                            out.write(jsonString(u.bytes))
                        }
                        out.byte(UInt8(ascii: "]"))
                    }
                    out.write("}\n")
                }
                start += batch
            }
            out.flush()
            let pct = base == 0 ? 0 : 100 * (1 - Double(units) / Double(base))
            stderrWrite(String(format: "tok merge: %d texts in %d batches, %d merges; %d base tokens -> %d units (%.1f%% shorter)\n",
                               texts.count, batches, nMerges, base, units, pct))
        }
    }
}

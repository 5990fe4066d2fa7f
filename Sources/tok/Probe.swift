import ArgumentParser
import Foundation
import TokConsistency
import TokCore
import TokHierarchical

struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tokenization-consistency probes: non-unique encodings, canonicality, phantom edits.",
        discussion: """
            Examples:
              tok probe count ' tokenizer'                      # how many id sequences spell it
              tok probe count --alternatives 5 --sample 3 'naïve'
              echo '15339 220 14957' | tok probe canonical        # is it what the encoder produces?
              tok probe diff --input-ids '791 8415 7731' --output-ids '791 5679 7731' --targets 3-7
              tok probe make --corpus corpus.txt --targets 2 --trials 100 > trials.jsonl
              tok probe score trials.jsonl answers.jsonl
              tok probe audit corpus.txt
            """,
        subcommands: [Count.self, Canonical.self, Diff.self, Make.self, Score.self, Audit.self])

    struct Count: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count (and list) the id sequences that decode to a text.")
        @OptionGroup var vocab: VocabOptions
        @Option(help: "Also list up to this many segmentations (longest token first at each position).") var alternatives = 0
        @Option(help: "Also draw this many segmentations uniformly at random.") var sample = 0
        @Option(help: "Random seed for --sample.") var seed: UInt64 = 1
        @Argument(help: "The text (default: standard input, whole).") var text: String?
        func run() throws {
            try reportingErrors {
                let tok = try vocab.load()
                let bytes = try text.map { Array($0.utf8) } ?? readAll(path: "-")
                let seg = try tok.segmentations(of: bytes)
                let out = Output()
                out.write("{\"bytes\":"); out.writeInt(bytes.count)
                out.write(",\"count\":\"\(seg.count)\",\"log2_count\":\(String(format: "%.3f", seg.count.log2 ?? 0))")
                out.write(",\"canonical\":" + jsonArray(seg.canonical))
                if alternatives > 0 {
                    out.write(",\"alternatives\":[" + seg.enumerate(limit: alternatives).map(jsonArray).joined(separator: ",") + "]")
                }
                if sample > 0 {
                    var rng = SplitMix(seed)
                    out.write(",\"samples\":[" + (0..<sample).compactMap { _ in seg.sample(using: &rng) }.map(jsonArray).joined(separator: ",") + "]")
                }
                out.write("}\n")
                out.flush()
            }
        }
    }

    struct Canonical: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check id sequences (one per line, as tok encode writes them) against the encoder.")
        @OptionGroup var vocab: VocabOptions
        @Argument(help: "Files of ids (default: standard input).") var files: [String] = []
        func run() throws {
            try reportingErrors {
                let tok = try vocab.load()
                let out = Output()
                var bad = 0
                for path in files.isEmpty ? ["-"] : files {
                    for ids in try parseIDRecords(try readAll(path: path), format: nil, source: inputName(path)) {
                        let r = try tok.canonicality(of: ids)
                        if !r.isCanonical { bad += 1 }
                        out.write("{\"canonical\":\(r.isCanonical),\"differences\":[")
                        out.write(r.differences.map { d in
                            "{\"bytes\":[\(d.byteRange.lowerBound),\(d.byteRange.upperBound)],\"given\":\(jsonArray(d.first)),\"encoder\":\(jsonArray(d.second)),\"text\":\(jsonString(r.bytes[d.byteRange])),\"artifacts\":\(jsonStrings(tok.classify(bytes: Array(r.bytes[d.byteRange]), first: d.first, second: d.second).map(\.rawValue)))}"
                        }.joined(separator: ","))
                        out.write("]}\n")
                    }
                }
                out.flush()
                if bad > 0 { stderrWrite("tok probe canonical: \(bad) non-canonical sequence(s)\n") }
            }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Phantom and real edits between input ids and output ids.")
        @OptionGroup var vocab: VocabOptions
        @Option(help: "The input ids (space- or comma-separated).") var inputIds: String
        @Option(help: "The output ids.") var outputIds: String
        @Option(help: "Target byte ranges of the input, as START-END[,START-END…].") var targets: String?
        func run() throws {
            try reportingErrors {
                let tok = try vocab.load()
                let report = try tok.compareEdits(input: try parseIDList(inputIds), output: try parseIDList(outputIds),
                                                  targets: try parseRanges(targets))
                let out = Output()
                for f in report.findings { out.write(findingJSON(f) + "\n") }
                out.flush()
                stderrWrite("tok probe diff: \(report.phantomEdits.count) phantom edit(s), \(report.strayEdits.count) edit(s) outside the targets, \(report.targetEdits.count) in them\n")
            }
        }
    }

    struct Make: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make replacement trials from a corpus: a context, target words, the instruction, the input ids.",
            discussion: """
                Contexts are corpus paragraphs or lines of 80-600 bytes; targets are words of the context (HAT words of
                letters only, 3+ characters, each once in the context), replacements are other such words of
                the corpus. A model is asked to replace exactly the targets and leave every other byte alone.
                """)
        @OptionGroup var vocab: VocabOptions
        @Option(help: "Corpus file (one context per line).") var corpus: String
        @Option(help: "Target words per trial.") var targets = 1
        @Option(help: "Number of trials.") var trials = 100
        @Option(help: "Random seed.") var seed: UInt64 = 1
        func run() throws {
            try reportingErrors {
                let tok = try vocab.load()
                let hat = HATSplitter()
                // Contexts: paragraphs (blank-line separated) and single lines, 80-600 bytes.
                let text = String(decoding: try readAll(path: corpus), as: UTF8.self)
                let paragraphs = text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .newlines) }
                let lines = (paragraphs + text.split(separator: "\n").map(String.init))
                    .filter { $0.utf8.count >= 80 && $0.utf8.count <= 600 && !$0.contains("\u{FFFD}") }
                func words(_ s: String) -> [(String, Range<Int>)] {
                    var out: [(String, Range<Int>)] = []
                    var off = 0
                    for w in hat.split(s) {
                        let core = w.drop { $0 == " " }
                        let start = off + (w.utf8.count - core.utf8.count)
                        if core.count >= 3 && core.allSatisfy(\.isLetter) { out.append((String(core), start..<(start + core.utf8.count))) }
                        off += w.utf8.count
                    }
                    return out
                }
                let pool = Array(Set(lines.prefix(5000).flatMap { words($0).map(\.0) })).sorted()
                guard !lines.isEmpty, pool.count > 1 else { throw CLIError("\(corpus): no usable contexts (lines of 80-600 bytes with words)") }
                var rng = SplitMix(seed)
                let out = Output()
                var made = 0, attempts = 0
                while made < trials && attempts < trials * 20 {
                    attempts += 1
                    let ctx = lines.randomElement(using: &rng)!
                    let ws = words(ctx)
                    let counts = Dictionary(ws.map { ($0.0, 1) }, uniquingKeysWith: +)
                    let unique = ws.filter { counts[$0.0] == 1 }
                    guard unique.count >= targets else { continue }
                    let chosen = unique.shuffled(using: &rng).prefix(targets).sorted { $0.1.lowerBound < $1.1.lowerBound }
                    var reps: [String] = []
                    for (w, _) in chosen {
                        var r = pool.randomElement(using: &rng)!
                        while r == w { r = pool.randomElement(using: &rng)! }
                        reps.append(r)
                    }
                    var expected = Array(ctx.utf8)
                    for ((_, range), r) in zip(chosen, reps).reversed() { expected.replaceSubrange(range, with: Array(r.utf8)) }
                    let list = zip(chosen, reps).map { "'\($0.0.0)' with '\($0.1)'" }.joined(separator: ", ")
                    let instruction = "Replace \(list) in the text below. Change nothing else: every other character, space and line break must stay exactly as it is. Answer with the text only.\n\n\(ctx)"
                    out.write("{\"id\":\(made),\"context\":\(jsonString(Array(ctx.utf8))),\"targets\":[")
                    out.write(zip(chosen, reps).map { "{\"word\":\(jsonString(Array($0.0.0.utf8))),\"replacement\":\(jsonString(Array($0.1.utf8))),\"bytes\":[\($0.0.1.lowerBound),\($0.0.1.upperBound)]}" }.joined(separator: ","))
                    out.write("],\"expected\":\(jsonString(expected)),\"instruction\":\(jsonString(Array(instruction.utf8))),\"input_ids\":\(jsonArray(tok.encodeOrdinary(ctx)))}\n")
                    made += 1
                }
                out.flush()
                if made < trials { stderrWrite("tok probe make: made \(made) of \(trials) trials (the corpus has too few usable lines)\n") }
            }
        }
    }

    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score a model's answers to trials: correct, phantom edits, real mistakes, per artifact class.",
            discussion: """
                answers.jsonl: one object per answer with "id" and either "output_ids" (the model's ids, the
                informative case) or "output" (text, encoded with --vocab). A trial is correct when the
                output text is the expected text and no ids changed outside the targets; phantom when the
                text is right but ids changed outside the targets; a mistake when the text is wrong.
                """)
        @OptionGroup var vocab: VocabOptions
        @Option(help: "Output: table or json.") var format: String = "table"
        @Argument(help: "trials.jsonl answers.jsonl") var paths: [String]
        func validate() throws {
            if paths.count != 2 { throw ValidationError("give the trials file and the answers file") }
        }
        func run() throws {
            try reportingErrors {
                let tok = try vocab.load()
                let trials = try jsonObjects(paths[0]), answers = try jsonObjects(paths[1])
                var byID: [Int: [String: Any]] = [:]
                for t in trials { if let id = t["id"] as? Int { byID[id] = t } }
                var correct = 0, phantom = 0, mistake = 0, missing = 0
                var classes: [String: Int] = [:], strayClasses: [String: Int] = [:]
                for a in answers {
                    guard let id = a["id"] as? Int, let t = byID[id] else { missing += 1; continue }
                    let inputIDs = (t["input_ids"] as? [Int]) ?? []
                    let expected = Array(((t["expected"] as? String) ?? "").utf8)
                    let outIDs: [Int]
                    if let ids = a["output_ids"] as? [Int] { outIDs = ids } else { outIDs = tok.encodeOrdinary((a["output"] as? String) ?? "") }
                    let targets = ((t["targets"] as? [[String: Any]]) ?? []).compactMap { $0["bytes"] as? [Int] }.map { $0[0]..<$0[1] }
                    let report = try tok.compareEdits(input: inputIDs, output: outIDs, targets: targets)
                    let text = try tok.decodeBytes(outIDs)
                    if text != expected {
                        mistake += 1
                        for f in report.strayEdits { for c in f.artifacts { strayClasses[c.rawValue, default: 0] += 1 } }
                    } else if !report.phantomEdits.isEmpty {
                        phantom += 1
                        for f in report.phantomEdits { for c in f.artifacts.prefix(1) { classes[c.rawValue, default: 0] += 1 } }
                    } else {
                        correct += 1
                    }
                }
                let n = correct + phantom + mistake
                func pct(_ x: Int) -> String { n == 0 ? "n/a" : String(format: "%.1f%%", 100 * Double(x) / Double(n)) }
                if format == "json" {
                    let obj: [String: Any] = ["answers": n, "correct": correct, "phantom": phantom, "mistake": mistake,
                                              "unmatched": missing, "phantom_classes": classes, "mistake_classes": strayClasses]
                    let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print("| outcome | answers | rate |\n|---|---|---|")
                    print("| correct | \(correct) | \(pct(correct)) |\n| phantom edit | \(phantom) | \(pct(phantom)) |\n| real mistake | \(mistake) | \(pct(mistake)) |")
                    if !classes.isEmpty {
                        print("\n| phantom-edit class (first per finding) | findings |\n|---|---|")
                        for (k, v) in classes.sorted(by: { $0.value > $1.value }) { print("| \(k) | \(v) |") }
                    }
                    if !strayClasses.isEmpty {
                        print("\n| class of edits outside the targets | edits |\n|---|---|")
                        for (k, v) in strayClasses.sorted(by: { $0.value > $1.value }) { print("| \(k) | \(v) |") }
                    }
                    if missing > 0 { print("\n\(missing) answer(s) match no trial id") }
                }
            }
        }
    }

    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tokenizer risk report over a corpus: how often words have alternative encodings one step away, per class.",
            discussion: """
                Words are HAT words (a leading space, a word, trailing punctuation). Per class, the share of
                word occurrences with such an alternative:
                  whitespace-boundary-shift   the leading space is inside a token, so " "+word is another spelling
                  intra-word-resegmentation   another segmentation of the word with as many tokens as the encoder's
                  punctuation-attachment      a token joins punctuation and letters or digits
                  split-character             the encoder cuts a multi-byte character between tokens
                  normalization               the word's NFC and NFD forms are different byte strings
                  case-or-width               the capitalized or lowercase variant takes a different number of tokens
                  special-token               special-token text appears in the corpus
                """)
        @OptionGroup var vocab: VocabOptions
        @Option(help: "Output: table or json.") var format: String = "table"
        @Argument(help: "Corpus files.") var files: [String]
        func run() throws {
            try reportingErrors {
                let tok = try vocab.load()
                let hat = HATSplitter()
                var total = 0
                var hits: [ArtifactClass: Int] = [:]
                var memo: [[UInt8]: Set<ArtifactClass>] = [:]
                // Special-token texts in the corpus, found in one pass (the longest at a position,
                // as the encoder finds them).
                let specials = _SpecialMatcher(tok.specialTokens)
                let all = specials.mask(.all)
                for path in files {
                    let data = try readAll(path: path)
                    data.withUnsafeBufferPointer { buf in
                        var i = 0
                        while let (start, k) = specials.find(in: buf, from: i, mask: all) {
                            hits[.specialToken, default: 0] += 1
                            i = start + Swift.max(1, specials.entries[k].bytes.count)
                        }
                    }
                    let words = try hat.words(bytes: data)
                    for k in words.indices {
                        let w = Array(words[k])
                        total += 1
                        if let c = memo[w] { for x in c { hits[x, default: 0] += 1 }; continue }
                        let c = tok.artifactRisks(ofWord: w)
                        if memo.count < 1_000_000 { memo[w] = c }
                        for x in c { hits[x, default: 0] += 1 }
                    }
                }
                let order: [ArtifactClass] = [.whitespaceBoundaryShift, .intraWordResegmentation, .punctuationAttachment,
                                              .splitCharacter, .normalization, .caseOrWidth, .specialToken]
                if format == "json" {
                    var obj: [String: Any] = ["words": total, "vocab": tok.name]
                    for c in order { obj[c.rawValue] = hits[c] ?? 0 }
                    print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
                } else {
                    print("\(tok.name): \(total) words\n\n| class | words | share |\n|---|---|---|")
                    for c in order {
                        let v = hits[c] ?? 0
                        print("| \(c.rawValue) | \(v) | \(c == .specialToken ? "(occurrences)" : String(format: "%.2f%%", total == 0 ? 0 : 100 * Double(v) / Double(total))) |")
                    }
                }
            }
        }
    }
}

func jsonArray(_ ids: [Int]) -> String { "[" + ids.map(String.init).joined(separator: ",") + "]" }
func jsonStrings(_ s: [String]) -> String { "[" + s.map { jsonString(Array($0.utf8)) }.joined(separator: ",") + "]" }

func findingJSON(_ f: EditFinding) -> String {
    "{\"kind\":\"\(f.kind.rawValue)\",\"input_bytes\":[\(f.inputRange.lowerBound),\(f.inputRange.upperBound)],\"output_bytes\":[\(f.outputRange.lowerBound),\(f.outputRange.upperBound)],\"input_ids\":\(jsonArray(f.inputIDs)),\"output_ids\":\(jsonArray(f.outputIDs)),\"in_target\":\(f.inTarget),\"artifacts\":\(jsonStrings(f.artifacts.map(\.rawValue)))}"
}

func parseIDList(_ s: String) throws -> [Int] {
    try s.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "[" || $0 == "]" }).map {
        guard let v = Int($0) else { throw CLIError("not an id: '\($0)'") }
        return v
    }
}

func parseRanges(_ s: String?) throws -> [Range<Int>] {
    guard let s, !s.isEmpty else { return [] }
    return try s.split(separator: ",").map { part in
        let f = part.split(separator: "-")
        guard f.count == 2, let a = Int(f[0]), let b = Int(f[1]), a <= b else { throw CLIError("--targets expects START-END byte ranges, got '\(part)'") }
        return a..<b
    }
}

func jsonObjects(_ path: String) throws -> [[String: Any]] {
    let data = try readAll(path: path)
    var out: [[String: Any]] = []
    for (n, line) in data.split(separator: 0x0A).enumerated() where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
        guard let o = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            throw CLIError("not a JSON object (\(path):\(n + 1))")
        }
        out.append(o)
    }
    return out
}

/// A small seeded generator (SplitMix64) for reproducible trials and samples.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

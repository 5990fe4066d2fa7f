import ArgumentParser
import Foundation
import TokCore
import TokHierarchical

struct Split: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Split text into words by the HAT rule (hat-splitter), for hierarchical byte models.",
        discussion: """
            Words are Unicode word segments (UAX #29) cut after punctuation and between a lowercase
            and an uppercase letter, grouped as [one space][word]punctuation*. The whole input is one
            text unless --lines or --input jsonl. Any bytes split: words always concatenate to the input.

            Formats:
              words    one word per line, \\n \\r \\t \\\\ and bad bytes (\\xHH) escaped; a blank line between texts
              jsonl    {"words": [...]} per text ("words_base64" when a word is not valid UTF-8, as
                       when --max-bytes cuts a character); other members of a jsonl input record are kept
              offsets  each word's starting byte offset, one line per text
              padded   one row of ids per word: prefix ids, bytes + --byte-offset, then --pad-id up to
                       the prefix plus --max-bytes columns; a blank line between texts

            Examples:
              echo 'Hello, camelCase world!' | tok split              # Hello,⏎ camel⏎Case⏎ world!⏎\\n
              tok split --max-bytes 16 --format jsonl --lines corpus.txt
              tok split --format offsets --input jsonl data.jsonl
              echo 'Hi there' | tok split --format padded --max-bytes 8 --byte-offset 3
              printf 'Hi<|eot_id|>' | tok split --special '<|eot_id|>=128009' --format jsonl
            """)

    @Option(parsing: .unconditional, help: "Cut words longer than this many bytes (at a character boundary when one fits).")
    var maxBytes: Int?

    @Option(help: "Output: words, jsonl, offsets or padded.")
    var format: SplitFormat = .words

    @Flag(help: "Split each input line (with its newline) as its own text.")
    var lines = false

    @Option(help: "Input: raw bytes, or jsonl (one JSON string, or object, per line).")
    var input: InputFormat = .raw

    @Option(help: "With --input jsonl: the object field that holds the text.")
    var field: String = "text"

    @Option(name: .long, parsing: .upToNextOption,
            help: "Special tokens to split out first, as TEXT=ID (e.g. '<|eot_id|>=128009').")
    var special: [String] = []

    // Values may be negative (`--pad-id -100`, the ignore index of many training loops).
    @Option(name: .customLong("pad-id"), parsing: .unconditional, help: "padded: the id of padding slots (may be negative).")
    var padID: Int = 0

    @Option(parsing: .unconditional, help: "padded: added to each byte to make its id (ByT5: 3).")
    var byteOffset: Int = 0

    @Option(name: .customLong("prefix-ids"), parsing: .unconditional,
            help: "padded: comma-separated ids of per-word prefix slots (e.g. CLS ids).")
    var prefixIDs: String?

    @Argument(help: "Files to split (default: standard input).")
    var files: [String] = []

    func validate() throws {
        if let m = maxBytes, m < 1 { throw ValidationError("--max-bytes must be at least 1") }
        if format == .padded && maxBytes == nil { throw ValidationError("--format padded needs --max-bytes (the byte columns)") }
        if lines && input == .jsonl { throw ValidationError("--lines and --input jsonl exclude each other") }
        if format != .padded && (padID != 0 || byteOffset != 0 || prefixIDs != nil) {
            throw ValidationError("--pad-id, --byte-offset and --prefix-ids apply to --format padded")
        }
    }

    func run() throws {
        try reportingErrors {
            let specials = try parseSpecialTokens(special)
            var prefix: [Int] = []
            if let p = prefixIDs {
                for f in p.split(separator: ",") {
                    guard let v = Int(f.trimmingPrefix(" ")) else { throw CLIError("--prefix-ids expects comma-separated integers, got '\(p)'") }
                    prefix.append(v)
                }
            }
            let hat = HATSplitter(specialTokens: specials)
            let layout = PaddedLayout(maxBytes: maxBytes ?? 1, prefixIDs: prefix, padID: padID, byteOffset: byteOffset)
            let writer = WordWriter(format: format, layout: layout, field: field)
            for path in files.isEmpty ? ["-"] : files {
                switch (input, lines) {
                case (.jsonl, _):
                    for r in try readJSONLRecords(path: path, field: field) {
                        try writer.write(try hat.words(bytes: r.text, maxBytesPerWord: maxBytes), members: r.members)
                    }
                case (.raw, true):
                    try forEachLine(path: path) { chunk in
                        for line in chunk { try writer.write(try hat.words(bytes: line, maxBytesPerWord: maxBytes)) }
                    }
                case (.raw, false):
                    try writer.write(try hat.words(bytes: try readAll(path: path), maxBytesPerWord: maxBytes))
                }
            }
            writer.out.flush()
        }
    }
}

enum SplitFormat: String, ExpressibleByArgument, CaseIterable {
    case words, jsonl, offsets, padded
}

/// Writes split texts in one of the formats.
final class WordWriter {
    let format: SplitFormat
    let layout: PaddedLayout
    let field: String
    let out = Output()
    var records = 0
    /// The padded format's band buffers, reused across records.
    var bandIDs: [Int64] = [], bandMask: [UInt8] = [], bandLengths: [Int32] = []

    init(format: SplitFormat, layout: PaddedLayout, field: String) {
        self.format = format
        self.layout = layout
        self.field = field
    }

    func write(_ w: WordSequence, members: [(key: String, raw: ArraySlice<UInt8>)] = []) throws {
        defer { records += 1 }
        switch format {
        case .words:
            if records > 0 { out.byte(0x0A) }
            for i in w.indices { writeEscaped(w[i]); out.byte(0x0A) }
        case .offsets:
            for (k, s) in w.wordStarts.enumerated() {
                if k > 0 { out.byte(0x20) }
                out.writeInt(s)
            }
            out.byte(0x0A)
        case .jsonl:
            out.byte(UInt8(ascii: "{"))
            for m in members where m.key != field {
                out.writeJSONString(validUTF8: Array(m.key.utf8))
                out.byte(UInt8(ascii: ":"))
                out.write(bytes: m.raw)
                out.byte(UInt8(ascii: ","))
            }
            let valid = w.indices.allSatisfy { String(validating: w[$0], as: UTF8.self) != nil }
            out.write(valid ? "\"words\":[" : "\"words_base64\":[")
            for i in w.indices {
                if i > 0 { out.byte(UInt8(ascii: ",")) }
                if valid { out.writeJSONString(validUTF8: w[i]) } else { out.write("\"" + Data(w[i]).base64EncodedString() + "\"") }
            }
            out.byte(UInt8(ascii: "]"))
            if w.indices.contains(where: { w.specialID(at: $0) != nil }) {
                out.write(",\"special_ids\":[")
                for i in w.indices {
                    if i > 0 { out.byte(UInt8(ascii: ",")) }
                    if let id = w.specialID(at: i) { out.writeInt(id) } else { out.write("null") }
                }
                out.byte(UInt8(ascii: "]"))
            }
            out.write("}\n")
        case .padded:
            // A band of rows at a time through one buffer, so a long text's matrix is never whole
            // in memory (the words are cut to the layout's width, so no band can fail midway).
            if records > 0 { out.byte(0x0A) }
            let cols = layout.columns, band = 65_536
            if bandIDs.count < band * cols {
                bandIDs = [Int64](repeating: 0, count: band * cols)
                bandMask = [UInt8](repeating: 0, count: band * cols)
                bandLengths = [Int32](repeating: 0, count: band)
            }
            for lo in stride(from: 0, to: w.count, by: band) {
                let words = lo..<Swift.min(w.count, lo + band)
                try bandIDs.withUnsafeMutableBufferPointer { i in
                    try bandMask.withUnsafeMutableBufferPointer { m in
                        try bandLengths.withUnsafeMutableBufferPointer { l in
                            try w.writePadded(layout, words: words, ids: i, mask: m, lengths: l)
                        }
                    }
                }
                for r in 0..<words.count {
                    for c in 0..<cols {
                        if c > 0 { out.byte(0x20) }
                        out.writeInt(Int(bandIDs[r * cols + c]))
                    }
                    out.byte(0x0A)
                }
            }
        }
    }

    /// A word on one line: printable UTF-8 as is; \\ \n \r \t, other control bytes and bytes that
    /// are not valid UTF-8 escaped.
    func writeEscaped(_ bytes: ArraySlice<UInt8>) {
        var i = bytes.startIndex
        let hex = Array("0123456789abcdef".utf8)
        while i < bytes.endIndex {
            let b = bytes[i]
            if b >= 0x80 {
                let n = bytes.withUnsafeBufferPointer { _utf8CharacterLength($0, at: i - bytes.startIndex) }
                if n > 0 {
                    out.write(bytes: bytes[i..<(i + n)])
                    i += n
                    continue
                }
            }
            switch b {
            case 0x5C: out.write("\\\\")
            case 0x0A: out.write("\\n")
            case 0x0D: out.write("\\r")
            case 0x09: out.write("\\t")
            case 0..<0x20, 0x7F...:
                out.write("\\x"); out.byte(hex[Int(b >> 4)]); out.byte(hex[Int(b & 15)])
            default: out.byte(b)
            }
            i += 1
        }
    }
}


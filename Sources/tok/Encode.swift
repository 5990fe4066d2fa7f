import ArgumentParser
import Foundation
import TokCore

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode text (stdin or files) to token ids.",
        discussion: """
            The whole input is one text unless --lines (each line, newline included, is a text) or
            --input jsonl (each record is a text). Any bytes encode, invalid UTF-8 included, and
            `tok decode` returns them unchanged.

            Examples:
              echo 'Hello, world!' | tok encode                          # 9906 11 1917 4999
              tok encode --vocab o200k_base --format jsonl --lines notes.txt
              tok encode --format u32 corpus.txt > corpus.u32            # little-endian, for training
              tok encode --input jsonl --field text data.jsonl           # one line of ids per record
              printf 'a<|endoftext|>b' | tok encode --allow-special all  # 64 100257 65
              tok encode --vocab my.tiktoken --pattern cl100k --offsets --format jsonl < in.txt
            """)

    @OptionGroup var vocab: VocabOptions

    @Option(help: "Output: text (space-separated ids), json, jsonl, u16 or u32 (little-endian binary).")
    var format: IDFormat = .text

    @Flag(help: "Encode each input line (with its newline) as its own text, one output line each.")
    var lines = false

    @Option(name: .customLong("allow-special"),
            help: "Special tokens to recognize: all, none, or a comma-separated list.")
    var allowSpecial: String?

    @Flag(name: .customLong("special-as-text"),
          help: "Encode special-token text that is not allowed as ordinary text instead of failing.")
    var specialAsText = false

    @Flag(help: "Also write each token's byte range (json and jsonl formats).")
    var offsets = false

    @Flag(help: "Pad as the tokenizer file says (tokenizer.json `padding`: a fixed length, or the longest text of each batch).")
    var pad = false

    @Flag(help: "Cut each encoding to the tokenizer file's `truncation` max_length.")
    var truncate = false

    @Flag(name: .customLong("add-special-tokens"),
          help: "Put the tokenizer file's post-processor tokens around each text (tokenizers' add_special_tokens=True: e.g. [CLS] … [SEP], <|begin_of_text|> …); with --truncate, room is left for them.")
    var addSpecialTokens = false

    @Option(help: "Input: raw bytes, or jsonl (one JSON string, or object, per line).")
    var input: InputFormat = .raw

    @Option(help: "With --input jsonl: the object field that holds the text.")
    var field: String = "text"

    @Argument(help: "Files to encode (default: standard input).")
    var files: [String] = []

    func validate() throws {
        if offsets && !(format == .json || format == .jsonl) {
            throw ValidationError("--offsets needs --format json or jsonl")
        }
        if lines && input == .jsonl { throw ValidationError("--lines and --input jsonl exclude each other") }
        if offsets && (pad || truncate || addSpecialTokens) {
            throw ValidationError("--offsets cannot be combined with --pad, --truncate or --add-special-tokens")
        }
    }

    func run() throws {
        try reportingErrors {
            let tok = try vocab.load()
            if format == .u16 && tok.vocabularySize > 65536 {
                throw CLIError("--format u16 cannot hold ids of \(tok.name) (vocabulary size \(tok.vocabularySize) > 65536); use u32")
            }
            let writer = IDWriter(format: format, offsets: offsets)
            // tokenizers' order: truncate (leaving room for the special tokens), add them, pad
            var steps: [([[Int]]) -> [[Int]]] = []
            let post = tok.postProcessor
            if addSpecialTokens && post == nil {
                throw CLIError("--add-special-tokens: \(tok.name) defines no post-processor")
            }
            if truncate {
                guard let truncation = tok.truncation else { throw CLIError("--truncate: \(tok.name) defines no truncation") }
                let room = addSpecialTokens ? post!.addedCount(pair: false) : 0
                steps.append { $0.map { truncation.apply($0, reserving: room) } }
            }
            if addSpecialTokens, let post { steps.append { $0.map { post.apply($0) } } }
            if pad {
                guard let padding = tok.padding else { throw CLIError("--pad: \(tok.name) defines no padding") }
                steps.append { padding.apply($0) }
            }
            if !steps.isEmpty { writer.shape = { batch in steps.reduce(batch) { $1($0) } } }
            let allowed = parseSpecialSet(allowSpecial)
            let disallowed: SpecialTokenSet = specialAsText ? .none : .all
            let encodeOne: @Sendable ([UInt8]) throws(TokError) -> Encoding = { bytes throws(TokError) in
                if offsets { return try tok.encodeWithOffsets(bytes: bytes, allowedSpecial: allowed, disallowedSpecial: disallowed) }
                return Encoding(ids: try tok.encode(bytes: bytes, allowedSpecial: allowed, disallowedSpecial: disallowed), byteRanges: [])
            }
            let paths = files.isEmpty ? ["-"] : files
            for path in paths {
                switch (input, lines) {
                case (.jsonl, _):
                    let records = try readJSONLTexts(path: path, field: field)
                    try writer.write(batch: records, encode: encodeOne)
                case (.raw, true):
                    try forEachLine(path: path) { chunk in try writer.write(batch: chunk.map { Array($0) }, encode: encodeOne) }
                case (.raw, false):
                    try writer.write(one: encodeOne(readAll(path: path)))
                }
            }
            writer.finish()
        }
    }
}

/// Writes encodings in one of the id formats.
final class IDWriter {
    let format: IDFormat
    let offsets: Bool
    let out = Output()
    var jsonCount = 0
    /// Padding and truncation, applied to each batch's ids before they are written.
    var shape: ([[Int]]) -> [[Int]] = { $0 }

    init(format: IDFormat, offsets: Bool) {
        self.format = format
        self.offsets = offsets
        if format == .json { out.byte(UInt8(ascii: "[")) }
    }

    func write(batch: [[UInt8]], encode: @escaping @Sendable ([UInt8]) throws(TokError) -> Encoding) throws {
        let results = try parallelEncode(batch, encode)
        let shaped = shape(results.map(\.ids))
        for (e, ids) in zip(results, shaped) { write(encoded: Encoding(ids: ids, byteRanges: e.byteRanges)) }
    }

    func write(one e: Encoding) {
        write(encoded: Encoding(ids: shape([e.ids])[0], byteRanges: e.byteRanges))
    }

    func write(encoded e: Encoding) {
        switch format {
        case .text:
            out.writeInts(e.ids, separator: 0x20)
            out.byte(0x0A)
        case .json, .jsonl:
            if format == .json {
                if jsonCount > 0 { out.byte(UInt8(ascii: ",")) }
                jsonCount += 1
            }
            if offsets {
                out.write("{\"ids\":")
                writeArray(e.ids)
                out.write(",\"offsets\":[")
                for (i, r) in e.byteRanges.enumerated() {
                    if i > 0 { out.byte(UInt8(ascii: ",")) }
                    out.byte(UInt8(ascii: "["))
                    out.writeInt(r.lowerBound)
                    out.byte(UInt8(ascii: ","))
                    out.writeInt(r.upperBound)
                    out.byte(UInt8(ascii: "]"))
                }
                out.write("]}")
            } else {
                writeArray(e.ids)
            }
            if format == .jsonl { out.byte(0x0A) }
        case .u16:
            for id in e.ids { out.byte(UInt8(id & 0xFF)); out.byte(UInt8(id >> 8)) }
        case .u32:
            for id in e.ids {
                out.byte(UInt8(id & 0xFF)); out.byte(UInt8((id >> 8) & 0xFF))
                out.byte(UInt8((id >> 16) & 0xFF)); out.byte(UInt8(id >> 24))
            }
        }
    }

    private func writeArray(_ ids: [Int]) {
        out.byte(UInt8(ascii: "["))
        out.writeInts(ids, separator: UInt8(ascii: ","))
        out.byte(UInt8(ascii: "]"))
    }

    func finish() {
        if format == .json { out.write("]\n") }
        out.flush()
    }
}

/// Encodes texts on all cores, in order.
func parallelEncode(_ texts: [[UInt8]], _ encode: @escaping @Sendable ([UInt8]) throws(TokError) -> Encoding) throws(TokError) -> [Encoding] {
    try _parallelMap(texts.count) { i throws(TokError) in try encode(texts[i]) }
}

/// Reads JSON Lines: each line a JSON string, or an object whose `field` is a string.
func readJSONLTexts(path: String, field: String) throws -> [[UInt8]] {
    try readJSONLRecords(path: path, field: field).map(\.text)
}

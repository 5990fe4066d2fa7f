import ArgumentParser
import Foundation
import TokCore

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode token ids (stdin or files) back to bytes.",
        discussion: """
            Reads what `tok encode` writes: text (ids separated by spaces, a line per text), json,
            jsonl (arrays, or objects with "ids") or u16/u32 binary. text, json and jsonl are
            recognized on their own; binary needs --format. The bytes are written unchanged, so
            `tok encode | tok decode` returns the input byte for byte.

            Examples:
              echo 9906 11 1917 0 | tok decode                      # Hello, world!
              tok encode < in.txt | tok decode > out.txt && cmp in.txt out.txt
              tok decode --format u32 corpus.u32 | head
              tok decode --output jsonl ids.jsonl                   # {"text": "..."} per record
            """)

    @OptionGroup var vocab: VocabOptions

    @Option(help: "Input format: text, json, jsonl, u16 or u32 (text/json/jsonl are detected when omitted).")
    var format: IDFormat?

    @Option(help: "Output: raw bytes (default) or jsonl, a JSON string per input record.")
    var output: DecodeOutput = .raw

    @Argument(help: "Files of ids (default: standard input).")
    var files: [String] = []

    enum DecodeOutput: String, ExpressibleByArgument { case raw, jsonl }

    func run() throws {
        try reportingErrors {
            let tok = try vocab.load()
            let out = Output()
            for path in files.isEmpty ? ["-"] : files {
                let data = try readAll(path: path)
                let records = try parseIDRecords(data, format: format, source: path == "-" ? "stdin" : path)
                for (k, ids) in records.enumerated() {
                    let bytes: [UInt8]
                    do {
                        bytes = try tok.decodeBytes(ids)
                    } catch let error as TokError {
                        throw TokError(error.code, error.message,
                                       at: "\(path == "-" ? "stdin" : path) record \(k + 1), \(error.location ?? "")")
                    }
                    switch output {
                    case .raw: out.write(bytes: bytes)
                    case .jsonl: out.write("{\"text\":" + jsonString(bytes) + "}\n")
                    }
                }
            }
            out.flush()
        }
    }
}

/// Splits input into records of ids. Errors name the line.
func parseIDRecords(_ data: [UInt8], format: IDFormat?, source: String) throws -> [[Int]] {
    switch format {
    case .u16?, .u32?:
        let w = format == .u16 ? 2 : 4
        guard data.count % w == 0 else {
            throw CLIError("\(data.count) bytes is not a whole number of \(w * 8)-bit ids (\(source))")
        }
        var ids = [Int]()
        ids.reserveCapacity(data.count / w)
        var i = 0
        while i < data.count {
            var v = 0
            for k in 0..<w { v |= Int(data[i + k]) << (8 * k) }
            ids.append(v)
            i += w
        }
        return [ids]
    default:
        break
    }
    let first = data.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
    let detected: IDFormat = format ?? (first == UInt8(ascii: "[") || first == UInt8(ascii: "{") ? .jsonl : .text)
    if detected == .json {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(data)) else {
            throw CLIError("not valid JSON (\(source))")
        }
        if let flat = obj as? [Int] { return [flat] }
        if let nested = obj as? [Any] {
            return try nested.enumerated().map { (k, e) in try idsOf(e, where: "\(source) element \(k + 1)") }
        }
        throw CLIError("expected a JSON array of ids (\(source))")
    }
    var records: [[Int]] = []
    var lineNo = 0
    for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
        lineNo += 1
        let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        if trimmed.isEmpty {
            // An empty line in text format is an empty text (encode of an empty input).
            if detected == .text && lineNo < data.split(separator: 0x0A, omittingEmptySubsequences: false).count { records.append([]) }
            continue
        }
        if trimmed.first == UInt8(ascii: "[") || trimmed.first == UInt8(ascii: "{") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(trimmed)) else {
                throw CLIError("not valid JSON (\(source):\(lineNo))")
            }
            if let nested = obj as? [Any], nested.first is [Any] {
                for e in nested { records.append(try idsOf(e, where: "\(source):\(lineNo)")) }
            } else {
                records.append(try idsOf(obj, where: "\(source):\(lineNo)"))
            }
        } else {
            var ids: [Int] = []
            for word in trimmed.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == UInt8(ascii: ",") }) {
                guard let v = Int(String(decoding: word, as: UTF8.self)), v >= 0 else {
                    throw CLIError("'\(String(decoding: word.prefix(40), as: UTF8.self))' is not a token id (\(source):\(lineNo))")
                }
                ids.append(v)
            }
            records.append(ids)
        }
    }
    return records
}

private func idsOf(_ obj: Any, where location: String) throws -> [Int] {
    if let d = obj as? [String: Any] {
        guard let ids = d["ids"] else { throw CLIError("record has no \"ids\" (\(location))") }
        return try idsOf(ids, where: location)
    }
    guard let arr = obj as? [Any] else { throw CLIError("expected an array of ids (\(location))") }
    return try arr.map { e in
        guard let n = e as? NSNumber, n.doubleValue == Double(n.intValue), n.intValue >= 0, !(e is Bool) else {
            throw CLIError("'\(e)' is not a token id (\(location))")
        }
        return n.intValue
    }
}

internal import CTokKernels
import Foundation

extension Tokenizer {
    /// Loads a tokenizer file of any format Tok reads, detected from its contents: a Hugging
    /// Face `tokenizer.json`, a Mistral Tekken `.json`, or a SentencePiece `.model`. A
    /// `.tiktoken`-style rank file has no pattern in it: load it with
    /// ``init(tiktokenFile:pattern:specialTokens:expectedSHA256:)``.
    /// - Throws: ``TokError`` naming the file, and the JSON path or protobuf field at fault.
    public init(file path: String) throws(TokError) {
        var data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw TokError(.io, "cannot read tokenizer: \(error.localizedDescription)", at: path)
        }
        var name = URL(fileURLWithPath: path).lastPathComponent
        if path.hasSuffix(".zst") {
            data = try _decompress(data, source: path)
            name = String(name.dropLast(4))
        }
        let first = data.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if first == UInt8(ascii: "{") {
            if _TekkenLoader.looksLikeTekken(data) {
                try self.init(tekkenJSON: data, name: name, source: path)
            } else {
                try self.init(huggingFaceJSON: data, name: name, source: path)
            }
            return
        }
        if data.first == 0x0A {
            try self.init(sentencePieceModel: data, name: name, source: path)
            return
        }
        throw TokError(.invalidArgument,
                       "not a tokenizer.json, Tekken .json or SentencePiece .model; a .tiktoken rank file needs its split pattern (--pattern)",
                       at: path)
    }
}

/// zstd-decompressed bytes (a file's contents); refuses more than 1 GiB.
func _decompress(_ data: Data, source: String) throws(TokError) -> Data {
    let r: Result<Data, TokError> = data.withUnsafeBytes { raw in
        var out: UnsafeMutablePointer<UInt8>?
        var n = 0
        var why: UnsafePointer<CChar>?
        let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
        guard tok_zstd_decompress(base, raw.count, 1 << 30, &out, &n, &why) == 0, let p = out else {
            return .failure(TokError(.malformedVocabulary, why.map { String(cString: $0) } ?? "cannot decompress", at: source))
        }
        defer { tok_free(p) }
        return .success(Data(bytes: p, count: n))
    }
    return try r.get()
}

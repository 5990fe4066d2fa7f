import Foundation

extension Tokenizer {
    /// Loads a tokenizer file of any format Tok reads, detected from its contents: a Hugging
    /// Face `tokenizer.json`, a Mistral Tekken `.json`, or a SentencePiece `.model`. A
    /// `.tiktoken`-style rank file has no pattern in it: load it with
    /// ``init(tiktokenFile:pattern:specialTokens:expectedSHA256:)``.
    /// - Throws: ``TokError`` naming the file, and the JSON path or protobuf field at fault.
    public init(file path: String) throws(TokError) {
        var data = try _readFile(path, what: "tokenizer")
        var name = URL(fileURLWithPath: path).lastPathComponent
        if path.hasSuffix(".zst") {
            let r: Result<Data, TokError> = data.withUnsafeBytes { raw in
                Result { () throws(TokError) in try _withDecompressed(raw, source: path) { Data($0) } }
            }
            data = try r.get()
            name = String(name.dropLast(4))
        }
        let first = data.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if first == UInt8(ascii: "{") {
            if _TekkenLoader.looksLikeTekken(data) {
                try self.init(tekkenJSON: data, name: name, source: path)
            } else {
                // one copy of the file while it is read, not the mapped file and a copy
                let bytes = [UInt8](data)
                data = Data()
                try self.init(huggingFaceBytes: consume bytes, name: name, source: path)
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

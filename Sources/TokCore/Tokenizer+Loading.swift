internal import CTokKernels
import Dispatch
import Foundation
import Synchronization

/// A built-in encoding: its vocabulary ships inside the library, zstd-compressed.
struct _BuiltIn {
    let name: String
    let embedded: String
    let sha256: String
    let pattern: SplitPattern
    let specials: [String: Int]

    static let all: [_BuiltIn] = [
        _BuiltIn(name: "r50k_base", embedded: "r50k_base",
                 sha256: "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
                 pattern: .r50k, specials: ["<|endoftext|>": 50256]),
        _BuiltIn(name: "cl100k_base", embedded: "cl100k_base",
                 sha256: "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
                 pattern: .cl100k,
                 specials: ["<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
                            "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276]),
        _BuiltIn(name: "o200k_base", embedded: "o200k_base",
                 sha256: "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
                 pattern: .o200k, specials: ["<|endoftext|>": 199999, "<|endofprompt|>": 200018]),
    ]

    static let aliases = ["gpt2": "r50k_base", "r50k": "r50k_base", "cl100k": "cl100k_base",
                          "o200k": "o200k_base"]

    static func find(_ name: String) -> _BuiltIn? {
        let n = aliases[name] ?? name
        return all.first { $0.name == n }
    }
}

private let loadedBuiltIns = Mutex<[String: Tokenizer]>([:])

extension Tokenizer {
    /// The names ``init(named:)`` accepts.
    public static var builtInNames: [String] { _BuiltIn.all.map(\.name) }

    /// Loads a built-in encoding, offline: `r50k_base` (alias `gpt2`), `cl100k_base`, `o200k_base`.
    ///
    /// The vocabulary is decompressed from the library itself and its SHA-256 checked against
    /// tiktoken's published hash. Loaded encodings are kept for the life of the process, so a
    /// second call costs nothing.
    /// - Throws: ``TokError/Code/unknownName`` for another name; ``TokError/Code/hashMismatch``
    ///   if the embedded data is damaged.
    public init(named name: String) throws(TokError) {
        guard let builtIn = _BuiltIn.find(name) else {
            throw TokError(.unknownName,
                           "no built-in vocabulary '\(name)'; built in: \(Self.builtInNames.joined(separator: ", "))")
        }
        if let cached = loadedBuiltIns.withLock({ $0[builtIn.name] }) {
            self = cached
            return
        }
        var n = 0
        guard let blob = tok_embedded_vocab(builtIn.embedded, &n) else {
            throw TokError(.unknownName, "vocabulary '\(name)' is not embedded in this build")
        }
        let compressed = UnsafeRawBufferPointer(start: blob, count: n)
        let tokenizer = try Tokenizer(compressedTiktoken: compressed, expectedSHA256: builtIn.sha256,
                                      name: builtIn.name, pattern: builtIn.pattern,
                                      specialTokens: builtIn.specials, source: "built-in \(builtIn.name)")
        loadedBuiltIns.withLock { $0[builtIn.name] = tokenizer }
        self = tokenizer
    }

    /// Loads a `.tiktoken` vocabulary (base64 token, space, rank per line) from a file; a name
    /// ending in `.zst` is decompressed first.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - pattern: the split pattern the vocabulary was trained with.
    ///   - specialTokens: special tokens and their ids (ids must not be ranks).
    ///   - expectedSHA256: if given, the (decompressed) contents must have this hash.
    /// - Throws: ``TokError`` naming the file and line of the first problem.
    public init(tiktokenFile path: String, pattern: SplitPattern, specialTokens: [String: Int] = [:],
                expectedSHA256: String? = nil) throws(TokError) {
        let data = try _readFile(path, what: "vocabulary")
        let name = URL(fileURLWithPath: path).lastPathComponent
        let result: Result<Tokenizer, TokError> = data.withUnsafeBytes { raw in
            do throws(TokError) {
                if path.hasSuffix(".zst") {
                    return .success(try Tokenizer(compressedTiktoken: raw, expectedSHA256: expectedSHA256, name: name,
                                                  pattern: pattern, specialTokens: specialTokens, source: path))
                }
                return .success(try Tokenizer(tiktokenText: raw, expectedSHA256: expectedSHA256, name: name,
                                              pattern: pattern, specialTokens: specialTokens, source: path))
            } catch { return .failure(error) }
        }
        self = try result.get()
    }

    /// Builds a tokenizer from `.tiktoken` text in memory.
    /// - Parameter source: how errors name the data (a file name, a URL).
    public init(tiktokenData: [UInt8], pattern: SplitPattern, specialTokens: [String: Int] = [:],
                name: String = "custom", source: String = "<memory>") throws(TokError) {
        let result: Result<Tokenizer, TokError> = tiktokenData.withUnsafeBytes { raw in
            do throws(TokError) {
                return .success(try Tokenizer(tiktokenText: raw, expectedSHA256: nil, name: name, pattern: pattern,
                                              specialTokens: specialTokens, source: source))
            } catch { return .failure(error) }
        }
        self = try result.get()
    }

    init(compressedTiktoken raw: UnsafeRawBufferPointer, expectedSHA256: String?, name: String,
         pattern: SplitPattern, specialTokens: [String: Int], source: String) throws(TokError) {
        self = try _withDecompressed(raw, source: source) { text throws(TokError) in
            try Tokenizer(tiktokenText: text, expectedSHA256: expectedSHA256, name: name, pattern: pattern,
                          specialTokens: specialTokens, source: source)
        }
    }

    init(tiktokenText raw: UnsafeRawBufferPointer, expectedSHA256: String?, name: String,
         pattern: SplitPattern, specialTokens: [String: Int], source: String) throws(TokError) {
        // The hash is checked on another core while the text is parsed (a mismatch still fails
        // the load: nothing parsed is returned).
        let parsed = Mutex<Result<_Kernel, TokError>?>(nil)
        let hash = Mutex<String?>(nil)
        let text = _SendableBytes(raw)
        DispatchQueue.concurrentPerform(iterations: expectedSHA256 == nil ? 1 : 2) { i in
            if i == 0 {
                let r: Result<_Kernel, TokError>
                do throws(TokError) {
                    r = .success(try _Kernel.parseTiktoken(text.buffer, specials: specialTokens, source: source))
                } catch { r = .failure(error) }
                parsed.withLock { $0 = r }
            } else {
                let h = sha256Hex(text.buffer)
                hash.withLock { $0 = h }
            }
        }
        if let expected = expectedSHA256, let actual = hash.withLock({ $0 }), actual != expected.lowercased() {
            throw TokError(.hashMismatch, "SHA-256 is \(actual), expected \(expected)", at: source)
        }
        let kernel = try parsed.withLock({ $0 })!.get()
        self.init(kernel: kernel, name: name, pattern: pattern, specialTokens: specialTokens)
    }
}

/// Bytes that stay valid and unchanged while a load runs, shared with the hashing thread.
struct _SendableBytes: @unchecked Sendable {
    let buffer: UnsafeRawBufferPointer
    init(_ b: UnsafeRawBufferPointer) { buffer = b }
}

/// Lower-case hex SHA-256 of the bytes.
func sha256Hex(_ raw: UnsafeRawBufferPointer) -> String {
    var digest = [UInt8](repeating: 0, count: 32)
    digest.withUnsafeMutableBufferPointer { d in
        tok_sha256(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, d.baseAddress)
    }
    let hex = Array("0123456789abcdef".utf8)
    var s = [UInt8]()
    s.reserveCapacity(64)
    for b in digest { s.append(hex[Int(b >> 4)]); s.append(hex[Int(b & 15)]) }
    return String(decoding: s, as: UTF8.self)
}

/// A file's contents (memory-mapped when possible); `what` names it in the error.
package func _readFile(_ path: String, what: String) throws(TokError) -> Data {
    do {
        return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
    } catch {
        throw TokError(.io, "cannot read \(what): \(error.localizedDescription)", at: path)
    }
}

/// Runs body on the zstd-decompressed bytes of raw (freed afterwards). No vocabulary or
/// tokenizer file is 1 GiB, so a bomb is refused.
package func _withDecompressed<R>(_ raw: UnsafeRawBufferPointer, source: String,
                          _ body: (UnsafeRawBufferPointer) throws(TokError) -> R) throws(TokError) -> R {
    var out: UnsafeMutablePointer<UInt8>?
    var n = 0
    var why: UnsafePointer<CChar>?
    let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
    guard tok_zstd_decompress(base, raw.count, 1 << 30, &out, &n, &why) == 0, let text = out else {
        throw TokError(.malformedVocabulary, why.map { String(cString: $0) } ?? "cannot decompress", at: source)
    }
    defer { tok_free(text) }
    return try body(UnsafeRawBufferPointer(start: text, count: n))
}

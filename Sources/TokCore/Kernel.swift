internal import CTokKernels
import Synchronization

/// Owns a C vocabulary; immutable once built, so it is shared freely between threads.
/// Every call into the C kernels goes through this file.
final class _Kernel: @unchecked Sendable {
    let vocab: OpaquePointer

    /// Scratch areas (merge buffers and the piece cache) waiting for reuse; at most one per
    /// thread is in use at a time, so the pool holds about as many as there are cores.
    private let pool = Mutex<[_Scratch]>([])

    /// A scratch area owned by whichever thread took it from the pool.
    struct _Scratch: @unchecked Sendable { let pointer: OpaquePointer }

    private init(vocab: OpaquePointer) { self.vocab = vocab }

    /// Runs body with a scratch area no other thread is using, then returns it to the pool.
    func withScratch<R>(_ body: (OpaquePointer?) throws(TokError) -> R) throws(TokError) -> R {
        let sc = pool.withLock { $0.popLast()?.pointer } ?? tok_scratch_new()
        defer {
            if let sc {
                let item = _Scratch(pointer: sc)
                let kept = pool.withLock { p -> Bool in
                    guard p.count < 64 else { return false }
                    p.append(item)
                    return true
                }
                if !kept { tok_scratch_free(sc) }
            }
        }
        return try body(sc)
    }

    /// Number of mergeable tokens (ids 0..<rankCount).
    var rankCount: Int { Int(tok_vocab_rank_count(vocab)) }
    /// One more than the largest id, special tokens included.
    var idLimit: Int { Int(tok_vocab_id_limit(vocab)) }

    deinit {
        for sc in pool.withLock({ $0 }) { tok_scratch_free(sc.pointer) }
        tok_vocab_free(vocab)
    }

    /// Parses tiktoken text and adds the special tokens. `source` names the file in errors.
    static func parseTiktoken(_ data: UnsafeRawBufferPointer, specials: [String: Int], source: String)
        throws(TokError) -> _Kernel
    {
        var out: OpaquePointer?
        var info = tok_error_info()
        let base = data.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let rc = tok_vocab_parse_tiktoken(base, data.count, &out, &info)
        guard rc == 0, let vocab = out else {
            let line = info.line > 0 ? "\(source):\(info.line)" : source
            let message: String
            switch Int(rc) {
            case TOK_E_BASE64: message = "malformed token: not valid base64"
            case TOK_E_RANK: message = "malformed rank: expected 'BASE64 RANK' with a decimal rank below 2^31"
            case TOK_E_DUP_RANK: message = "duplicate rank \(info.detail)"
            case TOK_E_DUP_BYTES: message = "duplicate token bytes (already rank \(info.detail))"
            case TOK_E_MISSING_RANK: message = "missing rank \(info.detail): ranks must be 0..n-1"
            case TOK_E_EMPTY: message = "no tokens"
            case TOK_E_NO_BYTE:
                message = "no token for the single byte 0x\(String(info.detail, radix: 16, uppercase: true))"
            case TOK_E_NOMEM: message = "out of memory"
            default: message = "cannot parse vocabulary (code \(rc))"
            }
            throw TokError(.malformedVocabulary, message, at: line)
        }
        let kernel = _Kernel(vocab: vocab)
        for (text, id) in specials.sorted(by: { $0.value < $1.value }) {
            let bytes = Array(text.utf8)
            let rc = id >= 0 && id < Int(Int32.max)
                ? bytes.withUnsafeBufferPointer { Int(tok_vocab_add_special(vocab, UInt32(id), $0.baseAddress, $0.count)) }
                : TOK_E_ID_RANGE
            guard rc == 0 else {
                throw TokError(.invalidArgument,
                               "special token \(text) has id \(id), which is taken or out of range", at: source)
            }
        }
        return kernel
    }

    func lookup(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let r = tok_vocab_lookup(vocab, base, bytes.count)
        return r < 0 ? nil : Int(r)
    }

    func tokenBytes(_ id: Int) -> UnsafeBufferPointer<UInt8>? {
        guard id >= 0, id < idLimit else { return nil }
        var n = 0
        guard let p = tok_vocab_token(vocab, UInt32(id), &n) else { return nil }
        return UnsafeBufferPointer(start: p, count: n)
    }

    var maxTokenLength: Int { Int(tok_vocab_max_token_len(vocab)) }
}

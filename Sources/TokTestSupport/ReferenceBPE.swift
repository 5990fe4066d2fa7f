import TokCore

/// The obviously-correct BPE (tiktoken's `_educational.py` loop, with no speed tricks): start
/// from single bytes, repeatedly merge the adjacent pair whose concatenation has the lowest
/// rank, the leftmost on ties. Quadratic; use it on short pieces to check the fast encoder.
public enum ReferenceBPE {
    /// Encodes one piece of bytes with the tokenizer's ranks (rank = id).
    public static func encodePiece(_ piece: [UInt8], with tokenizer: Tokenizer) -> [Int] {
        var parts: [[UInt8]] = piece.map { [$0] }
        while parts.count > 1 {
            var best: (rank: Int, index: Int)? = nil
            for i in 0..<(parts.count - 1) {
                if let r = tokenizer.id(forBytes: parts[i] + parts[i + 1]), r < (best?.rank ?? Int.max) {
                    best = (r, i)
                }
            }
            guard let b = best else { break }
            parts[b.index] += parts[b.index + 1]
            parts.remove(at: b.index + 1)
        }
        return parts.map { tokenizer.id(forBytes: $0)! }
    }
}

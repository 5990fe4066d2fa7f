import Foundation
public import TokCore

/// ASCII punctuation and symbols (the bytes 21–2F, 3A–40, 5B–60, 7B–7E).
@inline(__always) func isASCIIPunctuation(_ b: UInt8) -> Bool {
    b >= 0x21 && b <= 0x2F || b >= 0x3A && b <= 0x40 || b >= 0x5B && b <= 0x60 || b >= 0x7B && b <= 0x7E
}

/// Space, tab, CR or LF.
@inline(__always) func isSpaceByte(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

extension Tokenizer {
    /// The artifact classes under which `word` (a HAT word: leading space, word, punctuation) has
    /// an alternative encoding one step away from the encoder's: a tokenizer-level risk, no model
    /// needed (`tok probe audit` counts them over a corpus).
    /// - whitespace-boundary-shift: the leading space is inside a token, so " "+word spells it too;
    /// - intra-word-resegmentation: another segmentation with as many tokens as the encoder's
    ///   (words up to 64 bytes);
    /// - punctuation-attachment: a token joins punctuation and letters or digits;
    /// - split-character: the encoder cuts a multi-byte character between tokens;
    /// - normalization: the word's NFC and NFD forms are different bytes;
    /// - case-or-width: the word with its first letter's case flipped takes a different number of tokens.
    public func artifactRisks<Bytes: Sequence<UInt8>>(ofWord bytes: Bytes) -> Set<ArtifactClass> {
        var text = Array(bytes)
        // A tokenizer that puts a space before a text (SentencePiece's dummy prefix, Metaspace's
        // prepend) spells " word" in running text from "word" alone: judge that spelling.
        if text.first == 0x20 && text.count > 1 && surface(ofText: [0x61]) == [0x20, 0x61] { text.removeFirst() }
        var out = Set<ArtifactClass>()
        let ids = encodeOrdinary(bytes: text)
        // What the tokens spell: the word itself for byte-level tokenizers.
        guard let w = try? surface(ids), !w.isEmpty else { return out }
        var starts: [Int] = [], p = 0
        for id in ids { starts.append(p); p += tokenByteCount(id) ?? 0 }
        if w.first == 0x20 && w.count > 1, let first = ids.first, (tokenByteCount(first) ?? 0) > 1 {
            out.insert(.whitespaceBoundaryShift)
        }
        if starts.dropFirst().contains(where: { w[$0] & 0xC0 == 0x80 }) { out.insert(.splitCharacter) }
        for (k, s) in starts.enumerated() {
            let t = w[s..<(k + 1 < starts.count ? starts[k + 1] : w.count)]
            let hasAlnum = t.contains { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 >= 0x80 }
            if hasAlnum && t.contains(where: isASCIIPunctuation) { out.insert(.punctuationAttachment); break }
        }
        if w.count <= 64 && !ids.isEmpty && hasSameLengthAlternative(w, tokens: ids.count) {
            out.insert(.intraWordResegmentation)
        }
        if let s = String(validating: text, as: UTF8.self) {
            if Array(s.precomposedStringWithCanonicalMapping.utf8) != Array(s.decomposedStringWithCanonicalMapping.utf8) {
                out.insert(.normalization)
            }
            let trimmed = s.drop { $0 == " " }
            if let f = trimmed.first, f.isLetter {
                let variant = String(s.prefix(s.count - trimmed.count)) + (f.isUppercase ? f.lowercased() : f.uppercased())
                    + trimmed.dropFirst()
                if encodeOrdinary(variant).count != ids.count { out.insert(.caseOrWidth) }
            }
        }
        return out
    }

    /// Whether at least two segmentations of w use exactly n ordinary tokens.
    func hasSameLengthAlternative(_ w: [UInt8], tokens n: Int) -> Bool {
        // ways[i][k]: segmentations of w[i...] into k tokens, capped at 2.
        let len = w.count
        var ways = [[UInt8]](repeating: [UInt8](repeating: 0, count: n + 1), count: len + 1)
        ways[len][0] = 1
        w.withUnsafeBytes { raw in
            for i in stride(from: len - 1, through: 0, by: -1) {
                for l in 1...Swift.min(Swift.max(1, maxTokenLength), len - i) {
                    let piece = UnsafeRawBufferPointer(rebasing: raw[i..<(i + l)])
                    // One id per byte string: a byte token beside a piece of the same byte is
                    // byte fallback, not a resegmentation.
                    guard _ordinaryID(piece) != nil else { continue }
                    for k in 1...n where ways[i + l][k - 1] > 0 { ways[i][k] = Swift.min(2, ways[i][k] &+ ways[i + l][k - 1]) }
                }
            }
        }
        return ways[0][n] >= 2
    }
}

/// Which special tokens a call recognizes (or rejects), as tiktoken's `allowed_special` and
/// `disallowed_special` arguments.
public enum SpecialTokenSet: Sendable, Equatable {
    /// No special token.
    case none
    /// Every special token of the tokenizer.
    case all
    /// These special tokens (by their text, such as `<|endoftext|>`).
    case only(Set<String>)
}

/// Finds special-token text in bytes: candidates are grouped by first byte and tried longest
/// first, so at a given position the longest special token wins. Shared by the Tok modules.
package struct _SpecialMatcher: Sendable {
    package struct Entry: Sendable {
        package let bytes: [UInt8]
        package let id: Int
        package let text: String
    }
    package let entries: [Entry]
    let byFirst: [[Int]]

    package init(_ specials: [String: Int]) {
        let sorted = specials.map { Entry(bytes: Array($0.key.utf8), id: $0.value, text: $0.key) }
            .filter { !$0.bytes.isEmpty }
            .sorted { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.text < $1.text }
        var first = [[Int]](repeating: [], count: 256)
        for (k, e) in sorted.enumerated() { first[Int(e.bytes[0])].append(k) }
        entries = sorted
        byFirst = first
    }

    package var isEmpty: Bool { entries.isEmpty }

    /// Indices of the entries in `set`, as a membership mask over `entries`.
    package func mask(_ set: SpecialTokenSet, excluding: [Bool]? = nil) -> [Bool] {
        var m: [Bool]
        switch set {
        case .none: m = [Bool](repeating: false, count: entries.count)
        case .all: m = [Bool](repeating: true, count: entries.count)
        case .only(let names): m = entries.map { names.contains($0.text) }
        }
        if let ex = excluding { for k in m.indices where ex[k] { m[k] = false } }
        return m
    }

    /// The first position >= from where an entry in `mask` starts, and that entry.
    package func find(in buf: UnsafeBufferPointer<UInt8>, from: Int, mask: [Bool]) -> (start: Int, entry: Int)? {
        guard !entries.isEmpty else { return nil }
        var i = from
        let n = buf.count
        while i < n {
            let candidates = byFirst[Int(buf[i])]
            if !candidates.isEmpty {
                for k in candidates where mask[k] {
                    let b = entries[k].bytes
                    if b.count <= n - i {
                        var equal = true
                        for j in 1..<b.count where buf[i + j] != b[j] { equal = false; break }
                        if equal { return (i, k) }
                    }
                }
            }
            i += 1
        }
        return nil
    }
}

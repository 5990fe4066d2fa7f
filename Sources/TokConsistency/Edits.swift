import Foundation
public import TokCore

/// Why two tokenizations (or two nearly identical texts) differ.
///
/// The first two classes are named in "Say Anything but This: When Tokenizer Betrays Reasoning in
/// LLMs" (2026); the others are Tok's names for the further artifacts it detects.
public enum ArtifactClass: String, Sendable, CaseIterable, Codable {
    /// A space or line break moved to the neighbouring token (`" hello"` vs `" "`+`"hello"`). Paper.
    case whitespaceBoundaryShift = "whitespace-boundary-shift"
    /// The same word bytes, split differently (`"token"+"izer"` vs `"tok"+"enizer"`). Paper.
    case intraWordResegmentation = "intra-word-resegmentation"
    /// A punctuation mark attached to a different neighbour (`"word,"` vs `"word"`+`","`).
    case punctuationAttachment = "punctuation-attachment"
    /// A multi-byte character cut between tokens on one side only.
    case splitCharacter = "split-character"
    /// A character spelled as single-byte tokens on one side, as a character token on the other.
    case byteFallback = "byte-fallback"
    /// A special token on one side, the same text as ordinary tokens on the other.
    case specialToken = "special-token"
    /// Different bytes that are the same text under Unicode normalization (NFC/NFD/NFKC).
    case normalization = "normalization"
    /// Different bytes that differ only in letter case or character width.
    case caseOrWidth = "case-or-width"
}

/// One difference between an input and an output tokenization.
public struct EditFinding: Sendable, Equatable {
    /// What happened.
    public enum Kind: String, Sendable, Codable {
        /// The ids differ, the bytes do not.
        case phantom
        /// The bytes differ.
        case edit
    }
    public let kind: Kind
    /// The input bytes involved.
    public let inputRange: Range<Int>
    /// The output bytes involved.
    public let outputRange: Range<Int>
    /// Input ids over the range (tokens overlapping it).
    public let inputIDs: [Int]
    /// Output ids over the range.
    public let outputIDs: [Int]
    /// Whether the input range overlaps a designated target span.
    public let inTarget: Bool
    /// The artifact classes that explain the difference, most specific first (may be empty for a
    /// real edit of content).
    public let artifacts: [ArtifactClass]
}

/// The differences between an input and an output id sequence.
public struct EditReport: Sendable, Equatable {
    public let findings: [EditFinding]
    /// Phantom edits outside the targets: the ids changed where the text did not have to.
    public var phantomEdits: [EditFinding] { findings.filter { $0.kind == .phantom && !$0.inTarget } }
    /// Real edits outside the targets: the text changed where it should not have.
    public var strayEdits: [EditFinding] { findings.filter { $0.kind == .edit && !$0.inTarget } }
    /// Edits inside the targets (the requested ones).
    public var targetEdits: [EditFinding] { findings.filter { $0.kind == .edit && $0.inTarget } }
}

extension Tokenizer {
    /// Compares a model's output ids with its input ids: every span whose ids differ while its
    /// bytes are identical (a phantom edit) and every span whose bytes differ (a real edit),
    /// aligned by byte offsets (a byte-level diff), each classified.
    /// - Parameter targets: byte ranges of the input that were meant to change.
    /// - Throws: ``TokError/Code/unknownID``.
    public func compareEdits(input: [Int], output: [Int], targets: [Range<Int>] = []) throws(TokError) -> EditReport {
        let a = try surface(input), b = try surface(output)
        let aStarts = try starts(input), bStarts = try starts(output)
        var findings: [EditFinding] = []
        let blocks = matchingBlocks(a, b)
        // Hunks between matching blocks, widened to character boundaries on both sides.
        var hunks: [(Range<Int>, Range<Int>)] = []
        var pa = 0, pb = 0
        for blk in blocks + [(a.count, b.count, 0)] {
            if blk.0 > pa || blk.1 > pb { hunks.append((pa..<blk.0, pb..<blk.1)) }
            pa = blk.0 + blk.2; pb = blk.1 + blk.2
        }
        hunks = widen(hunks, a, b)
        for (ra, rb) in hunks {
            let inT = targets.contains { $0.overlaps(ra) || (ra.isEmpty && $0.contains(ra.lowerBound)) || ($0.isEmpty == false && ra.isEmpty && $0.upperBound == ra.lowerBound) }
            findings.append(EditFinding(kind: .edit, inputRange: ra, outputRange: rb,
                                        inputIDs: ids(input, aStarts, covering: ra), outputIDs: ids(output, bStarts, covering: rb),
                                        inTarget: inT, artifacts: classifyEdit(Array(a[ra]), Array(b[rb]))))
        }
        // Equal stretches between hunks: tokenizations compared between common boundaries.
        let aSet = Set(aStarts + [a.count]), bSet = Set(bStarts + [b.count])
        var ea = 0, eb = 0
        for (ra, rb) in hunks + [(a.count..<a.count, b.count..<b.count)] {
            let len = ra.lowerBound - ea
            if len > 0 && rb.lowerBound - eb == len {
                var prev: Int?
                for p in ea...(ea + len) where aSet.contains(p) && bSet.contains(p - ea + eb) {
                    if let q = prev {
                        let ia = ids(input, aStarts, covering: q..<p), ib = ids(output, bStarts, covering: (q - ea + eb)..<(p - ea + eb))
                        if ia != ib {
                            let inT = targets.contains { $0.overlaps(q..<p) }
                            findings.append(EditFinding(kind: .phantom, inputRange: q..<p, outputRange: (q - ea + eb)..<(p - ea + eb),
                                                        inputIDs: ia, outputIDs: ib, inTarget: inT,
                                                        artifacts: classifyPhantom(Array(a[q..<p]), ia, ib)))
                        }
                    }
                    prev = p
                }
            }
            ea = ra.upperBound; eb = rb.upperBound
        }
        findings.sort { $0.inputRange.lowerBound != $1.inputRange.lowerBound ? $0.inputRange.lowerBound < $1.inputRange.lowerBound : $0.kind == .edit }
        return EditReport(findings: findings)
    }

    /// Classifies two tokenizations of the same bytes (as in a ``TokenizationDifference``).
    public func classify(bytes: [UInt8], first: [Int], second: [Int]) -> [ArtifactClass] {
        classifyPhantom(bytes, first, second)
    }

    // MARK: - internals

    func starts(_ ids: [Int]) throws(TokError) -> [Int] {
        var s: [Int] = []
        s.reserveCapacity(ids.count)
        var p = 0
        for id in ids { s.append(p); p += try lengthOf(id) }
        return s
    }

    /// Ids of the tokens overlapping r (for an empty r, the token that strictly contains its position).
    func ids(_ ids: [Int], _ starts: [Int], covering r: Range<Int>) -> [Int] {
        // The last token starting at or before r.lowerBound (binary search), then forward.
        var lo = 0, hi = starts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if starts[mid] <= r.lowerBound { lo = mid + 1 } else { hi = mid }
        }
        var k = Swift.max(0, lo - 1)
        var out: [Int] = []
        while k < starts.count {
            let s = starts[k]
            if r.isEmpty ? s >= r.lowerBound : s >= r.upperBound { break }
            let e = k + 1 < starts.count ? starts[k + 1] : s + (tokenByteCount(ids[k]) ?? 0)
            if r.isEmpty ? (s < r.lowerBound && e > r.lowerBound) : (e > r.lowerBound) { out.append(ids[k]) }
            k += 1
        }
        return out
    }

    func classifyPhantom(_ bytes: [UInt8], _ a: [Int], _ b: [Int]) -> [ArtifactClass] {
        var out: [ArtifactClass] = []
        let sa = (try? starts(a)) ?? [], sb = (try? starts(b)) ?? []
        let boundA = Set(sa.dropFirst()), boundB = Set(sb.dropFirst())
        let only = boundA.symmetricDifference(boundB)
        let specials = Set(specialTokens.values)
        if a.contains(where: specials.contains) != b.contains(where: specials.contains) { out.append(.specialToken) }
        func isCont(_ p: Int) -> Bool { p < bytes.count && bytes[p] & 0xC0 == 0x80 }
        if only.contains(where: isCont) {
            // A side whose tokens over a cut character are all single bytes spells it byte by byte.
            func byteSpelled(_ ids: [Int], _ st: [Int]) -> Bool {
                zip(ids, st).contains { id, s in tokenByteCount(id) == 1 && bytes[s] >= 0x80 }
            }
            if byteSpelled(a, sa) != byteSpelled(b, sb) && (a.allSatisfy { tokenByteCount($0) == 1 } || b.allSatisfy { tokenByteCount($0) == 1 }) {
                out.append(.byteFallback)
            }
            out.append(.splitCharacter)
        }
        let ws = isSpaceByte, punct = isASCIIPunctuation
        let touchesWS = only.contains { p in (p > 0 && ws(bytes[p - 1])) || (p < bytes.count && ws(bytes[p])) }
        let touchesPunct = only.contains { p in (p > 0 && punct(bytes[p - 1])) || (p < bytes.count && punct(bytes[p])) }
        if touchesWS { out.append(.whitespaceBoundaryShift) }
        if touchesPunct { out.append(.punctuationAttachment) }
        let inside = only.contains { p in p > 0 && p < bytes.count && !ws(bytes[p - 1]) && !ws(bytes[p]) && !punct(bytes[p - 1]) && !punct(bytes[p]) && !isCont(p) }
        if inside || (out.isEmpty && !bytes.contains(where: ws)) { out.append(.intraWordResegmentation) }
        return out
    }

    func classifyEdit(_ a: [UInt8], _ b: [UInt8]) -> [ArtifactClass] {
        guard let sa = String(validating: a, as: UTF8.self), let sb = String(validating: b, as: UTF8.self) else { return [] }
        let na = sa.precomposedStringWithCanonicalMapping, nb = sb.precomposedStringWithCanonicalMapping
        let ka = sa.precomposedStringWithCompatibilityMapping, kb = sb.precomposedStringWithCompatibilityMapping
        // Swift's String == already compares canonically; compare scalars to see real byte-level variants.
        if Array(na.unicodeScalars) == Array(nb.unicodeScalars) || Array(ka.unicodeScalars) == Array(kb.unicodeScalars) {
            return [.normalization]
        }
        let fa = ka.lowercased(), fb = kb.lowercased()
        if Array(fa.unicodeScalars) == Array(fb.unicodeScalars) { return [.caseOrWidth] }
        return []
    }

    /// Hunks widened so that both sides start and end on UTF-8 character boundaries (the context
    /// around a hunk is the same on both sides, so it widens by the same amount), then merged.
    func widen(_ hunks: [(Range<Int>, Range<Int>)], _ a: [UInt8], _ b: [UInt8]) -> [(Range<Int>, Range<Int>)] {
        func cont(_ s: [UInt8], _ p: Int) -> Bool { p < s.count && p >= 0 && s[p] & 0xC0 == 0x80 }
        var out: [(Range<Int>, Range<Int>)] = []
        for (ra, rb) in hunks {
            var la = ra.lowerBound, lb = rb.lowerBound, ha = ra.upperBound, hb = rb.upperBound
            while la > 0 && lb > 0 && (cont(a, la) || cont(b, lb)) { la -= 1; lb -= 1 }
            while ha < a.count && hb < b.count && (cont(a, ha) || cont(b, hb)) { ha += 1; hb += 1 }
            if let last = out.last, last.0.upperBound >= la || last.1.upperBound >= lb {
                out[out.count - 1] = (last.0.lowerBound..<Swift.max(ha, last.0.upperBound), last.1.lowerBound..<Swift.max(hb, last.1.upperBound))
            } else {
                out.append((la..<ha, lb..<hb))
            }
        }
        return out
    }
}

/// Matching blocks (start in a, start in b, length) of a shortest edit script between a and b
/// (Myers' O(ND) algorithm on the part between the common prefix and suffix). Beyond 4,000 edits
/// the middle is reported as one change.
func matchingBlocks(_ a: [UInt8], _ b: [UInt8]) -> [(Int, Int, Int)] {
    var pre = 0
    while pre < a.count && pre < b.count && a[pre] == b[pre] { pre += 1 }
    var suf = 0
    while suf < a.count - pre && suf < b.count - pre && a[a.count - 1 - suf] == b[b.count - 1 - suf] { suf += 1 }
    var blocks: [(Int, Int, Int)] = []
    if pre > 0 { blocks.append((0, 0, pre)) }
    let x0 = pre, n = a.count - pre - suf, m = b.count - pre - suf
    if n > 0 && m > 0 {
        let maxD = Swift.min(n + m, 4000)
        let off = maxD + 1
        var v = [Int](repeating: 0, count: 2 * maxD + 3)
        var trace: [[Int]] = []
        var found = false
        outer: for d in 0...maxD {
            var k = -d
            while k <= d {
                var x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1
                var y = x - k
                while x < n && y < m && a[x0 + x] == b[x0 + y] { x += 1; y += 1 }
                v[off + k] = x
                if x >= n && y >= m {
                    trace.append(Array(v[(off - d)...(off + d)]))
                    found = true
                    break outer
                }
                k += 2
            }
            trace.append(Array(v[(off - d)...(off + d)]))
        }
        if found {
            var mid: [(Int, Int, Int)] = []
            var x = n, y = m
            for d in stride(from: trace.count - 1, through: 1, by: -1) {
                let k = x - y
                let pv = trace[d - 1]   // indices -(d-1)...(d-1) at 0...(2d-2)
                func at(_ kk: Int) -> Int { pv[kk + d - 1] }
                let down = k == -d || (k != d && at(k - 1) < at(k + 1))
                let pk = down ? k + 1 : k - 1
                let px = at(pk), py = px - pk
                let sx = down ? px : px + 1, sy = sx - k
                if x > sx { mid.append((x0 + sx, x0 + sy, x - sx)) }
                x = px; y = py
            }
            if x > 0 { mid.append((x0, x0, x)) }
            blocks += mid.reversed()
        }
    }
    if suf > 0 { blocks.append((a.count - suf, b.count - suf, suf)) }
    return blocks
}

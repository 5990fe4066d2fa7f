internal import CTokKernels
import Foundation

/// Cuts text into runs of one writing system, for per-script statistics.
public enum ScriptRuns {
    /// Runs of UAX #29 words of one ICU script (the first character of a word whose script is not
    /// Common or Inherited decides it; other words, spaces and punctuation stay in the run they
    /// follow). The ranges tile the input.
    ///
    /// ```swift
    /// ScriptRuns.split(Array("Hello мир!".utf8)).map(\.script)   // ["Latin", "Cyrillic"]
    /// ```
    public static func split(_ bytes: [UInt8]) -> [(script: String, range: Range<Int>)] {
        runs(bytes, words: icuWordBounds(bytes))
    }

    /// The runs of ``split(_:)`` with each run's ``TextMeasures``, the text segmented into words by
    /// ICU once for both: a run's words are the text's words that start in it (runs start at words,
    /// so none is cut). What `tok analyze --group-by script` adds per run.
    package static func measuredRuns(_ bytes: [UInt8], zstdLevels: [Int]) -> [(script: String, text: [UInt8], measures: TextMeasures)] {
        let words = icuWordBounds(bytes)
        var w = 0
        return runs(bytes, words: words).map { run in
            var bounds: [UInt32] = []
            while w < words.count / 2 && Int(words[2 * w]) < run.range.upperBound {
                bounds.append(words[2 * w] - UInt32(run.range.lowerBound))
                bounds.append(words[2 * w + 1] - UInt32(run.range.lowerBound))
                w += 1
            }
            let text = Array(bytes[run.range])
            return (run.script, text, TextMeasures(text, zstdLevels: zstdLevels, wordBounds: WordBounds(bounds)))
        }
    }

    /// The script runs of a text whose ICU words are `words` ((start, end) pairs).
    static func runs(_ bytes: [UInt8], words: WordBounds) -> [(script: String, range: Range<Int>)] {
        let n = bytes.count
        guard n > 0 else { return [] }
        var starts: UnsafeMutablePointer<UInt32>? = nil, scripts: UnsafeMutablePointer<Int32>? = nil
        let count = Int(bytes.withUnsafeBufferPointer { b in
            words.withUnsafeBufferPointer { tok_icu_script_runs_of_words(b.baseAddress, n, $0.baseAddress, $0.count / 2, &starts, &scripts) }
        })
        defer { free(starts); free(scripts) }
        guard count > 0, let starts, let scripts else { return [("Unknown", 0..<n)] }
        return (0..<count).map { k in
            (String(cString: tok_icu_script_name(scripts[k])), Int(starts[k])..<(k + 1 < count ? Int(starts[k + 1]) : n))
        }
    }
}

/// The words of a text by ICU (UAX #29 segments with letters, numbers, kana or ideographs) as
/// (start, end) byte offsets, two entries a word; none when ICU fails. `asciiFast` false sends
/// every line to ICU instead of Tok's scanners of ICU's rules (for tests: the same words).
func icuWordBounds(_ bytes: [UInt8], asciiFast: Bool = true) -> WordBounds {
    var found: UnsafeMutablePointer<UInt32>? = nil
    let n = Int(bytes.withUnsafeBufferPointer { tok_icu_words_with($0.baseAddress, $0.count, &found, asciiFast ? 1 : 0) })
    guard n > 0, let found else { free(found); return WordBounds([]) }
    return WordBounds(adopting: found, count: 2 * n)
}

/// Words as (start, end) byte offsets, two entries a word, in memory the C word scanner filled
/// (kept as it is: a copy into an array took a page fault per 4 KiB, 24 MB for 16 MB of English).
/// Immutable once made.
final class WordBounds: @unchecked Sendable {
    private let base: UnsafeMutablePointer<UInt32>?
    /// Entries (twice the words).
    let count: Int

    /// Takes ownership of `base[0..<count]` (malloc'd; freed with the value).
    init(adopting base: UnsafeMutablePointer<UInt32>, count: Int) {
        self.base = base
        self.count = count
    }

    init(_ entries: [UInt32]) {
        count = entries.count
        guard !entries.isEmpty, let p = malloc(entries.count * MemoryLayout<UInt32>.stride) else { base = nil; return }
        let b = p.bindMemory(to: UInt32.self, capacity: entries.count)
        entries.withUnsafeBufferPointer { b.initialize(from: $0.baseAddress!, count: entries.count) }
        base = b
    }

    deinit { free(base) }

    subscript(i: Int) -> UInt32 {
        precondition(i >= 0 && i < count, "word bound index out of range")
        return base![i]
    }

    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<UInt32>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    /// The entries as an array.
    var array: [UInt32] { withUnsafeBufferPointer { Array($0) } }
}

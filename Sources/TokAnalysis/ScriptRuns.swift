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
        let n = bytes.count
        guard n > 0 else { return [] }
        var starts: UnsafeMutablePointer<UInt32>? = nil, scripts: UnsafeMutablePointer<Int32>? = nil
        let count = Int(bytes.withUnsafeBufferPointer { tok_icu_script_runs($0.baseAddress, n, &starts, &scripts) })
        defer { free(starts); free(scripts) }
        guard count > 0, let starts, let scripts else { return [("Unknown", 0..<n)] }
        return (0..<count).map { k in
            (String(cString: tok_icu_script_name(scripts[k])), Int(starts[k])..<(k + 1 < count ? Int(starts[k + 1]) : n))
        }
    }

    /// The runs of ``split(_:)`` with each run's ``TextMeasures``, the text segmented into words by
    /// ICU once for both: a run's words are the text's words that start in it (runs start at words,
    /// so none is cut). What `tok analyze --group-by script` adds per run.
    package static func measuredRuns(_ bytes: [UInt8], zstdLevels: [Int]) -> [(script: String, text: [UInt8], measures: TextMeasures)] {
        let n = bytes.count
        guard n > 0 else { return [] }
        var found: UnsafeMutablePointer<UInt32>? = nil
        let nw = Int(bytes.withUnsafeBufferPointer { tok_icu_words($0.baseAddress, n, &found) })
        defer { free(found) }
        let words = UnsafeBufferPointer(start: found, count: found == nil ? 0 : 2 * Swift.max(0, nw))
        var starts: UnsafeMutablePointer<UInt32>? = nil, scripts: UnsafeMutablePointer<Int32>? = nil
        let count = nw < 0 ? -1 : Int(bytes.withUnsafeBufferPointer {
            tok_icu_script_runs_of_words($0.baseAddress, n, words.baseAddress, nw, &starts, &scripts)
        })
        defer { free(starts); free(scripts) }
        guard count > 0, let starts, let scripts else {
            return [("Unknown", bytes, TextMeasures(bytes, zstdLevels: zstdLevels))]
        }
        var out: [(script: String, text: [UInt8], measures: TextMeasures)] = []
        var w = 0
        for k in 0..<count {
            let lo = Int(starts[k]), hi = k + 1 < count ? Int(starts[k + 1]) : n
            var bounds: [UInt32] = []
            while w < nw && Int(words[2 * w]) < hi {
                bounds.append(words[2 * w] - UInt32(lo))
                bounds.append(words[2 * w + 1] - UInt32(lo))
                w += 1
            }
            let text = Array(bytes[lo..<hi])
            out.append((String(cString: tok_icu_script_name(scripts[k])), text,
                        TextMeasures(text, zstdLevels: zstdLevels, wordBounds: bounds)))
        }
        return out
    }
}

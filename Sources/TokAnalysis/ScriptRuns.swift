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
}

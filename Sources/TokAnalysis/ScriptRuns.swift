internal import CTokKernels

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
        var starts = [UInt32](repeating: 0, count: n + 1)
        var scripts = [Int32](repeating: 0, count: n + 1)
        let count = Int(bytes.withUnsafeBufferPointer { tok_icu_script_runs($0.baseAddress, n, &starts, &scripts, n + 1) })
        guard count > 0 else { return [("Unknown", 0..<n)] }
        return (0..<count).map { k in
            (String(cString: tok_icu_script_name(scripts[k])), Int(starts[k])..<(k + 1 < count ? Int(starts[k + 1]) : n))
        }
    }
}

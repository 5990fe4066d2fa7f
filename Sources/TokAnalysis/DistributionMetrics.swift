import Foundation

/// Statistics of a frequency distribution (token unigram counts), with the definitions of
/// Zouhar et al. (2023) as the `tokenization-scorer` package computes them.
///
/// Every function takes the counts of the observed types (zero counts are ignored) and returns
/// nil where the quantity is undefined (no tokens; an efficiency with a single type).
public enum DistributionMetrics {
    /// Shannon entropy in bits: −Σ p log₂ p.
    public static func shannonEntropy(_ counts: some Collection<Int>) -> Double? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let n = Double(total)
        var h = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / n
            h -= p * log2(p)
        }
        return h
    }

    /// Rényi entropy of order α in bits: log₂(Σ pᵅ) / (1 − α); Shannon entropy at α = 1.
    public static func renyiEntropy(_ counts: some Collection<Int>, alpha: Double) -> Double? {
        if alpha == 1 { return shannonEntropy(counts) }
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let n = Double(total)
        var s = 0.0
        for c in counts where c > 0 { s += pow(Double(c) / n, alpha) }
        return log2(s) / (1 - alpha)
    }

    /// Shannon entropy divided by log₂ of `vocabularySize` (default: the number of observed types).
    public static func shannonEfficiency(_ counts: some Collection<Int>, vocabularySize: Int? = nil) -> Double? {
        guard let h = shannonEntropy(counts) else { return nil }
        return divideByLogSize(h, vocabularySize ?? counts.filter { $0 > 0 }.count)
    }

    /// Rényi entropy of order α divided by log₂ of `vocabularySize` (default: observed types).
    public static func renyiEfficiency(_ counts: some Collection<Int>, alpha: Double, vocabularySize: Int? = nil) -> Double? {
        guard let h = renyiEntropy(counts, alpha: alpha) else { return nil }
        return divideByLogSize(h, vocabularySize ?? counts.filter { $0 > 0 }.count)
    }

    /// tokenization-scorer's `bits`: −(tokens × log₂ types) (negated so that higher is better).
    public static func scorerBits(_ counts: some Collection<Int>) -> Double? {
        let total = counts.reduce(0, +)
        let types = counts.filter { $0 > 0 }.count
        guard total > 0 else { return nil }
        return -Double(total) * log2(Double(types))
    }

    /// tokenization-scorer's `perc_freq`: the probability mass of the types ranked between the
    /// `start` and `end` quantiles of the frequency-sorted type list (defaults 0.03 and 0.83).
    public static func percentileFrequency(_ counts: some Collection<Int>, start: Double = 0.03, end: Double = 0.83) -> Double? {
        percentileFrequency(descending: counts.filter { $0 > 0 }.sorted(by: >), start: start, end: end)
    }

    /// ``percentileFrequency(_:start:end:)`` of positive counts already sorted largest first (a
    /// report has them so for its coverage curve: no second sort).
    static func percentileFrequency(descending sorted: [Int], start: Double = 0.03, end: Double = 0.83) -> Double? {
        let total = sorted.reduce(0, +)
        guard total > 0 else { return nil }
        let n = sorted.count
        var s = Swift.min(Int(Double(n) * start), n - 1)
        var e = Swift.min(Int(Double(n) * end), n - 1)
        if s == e { s = Swift.max(0, s - 1) }
        if s == e { e = Swift.min(n - 1, e + 1) }
        var mass = 0.0
        if s < e { for i in s..<e { mass += Double(sorted[i]) / Double(total) } }
        return mass
    }

    /// Conditional entropy H(Tᵢ | Tᵢ₋ₖ…Tᵢ₋₁) in bits of token sequences, by the plug-in estimator
    /// on the empirical (k+1)-gram distribution: H(joint) − H(context marginal), both from the
    /// same (k+1)-grams (n-grams never cross sequences), so it is never negative.
    public static func conditionalEntropy(_ sequences: [[Int]], k: Int) -> Double? {
        precondition(k >= 1 && k <= 3, "context length 1...3")
        let ids = sequences.map { $0.map { UInt32(truncatingIfNeeded: $0) } }
        var blocks = BlockCounts(idLimit: Int(ids.lazy.flatMap { $0 }.max() ?? 0) + 1, maxOrder: k + 1)
        for s in ids { blocks.add(s) }
        let summary = blocks.summary
        return conditionalEntropy(total: summary.total[k + 1], joint: summary.clog2c[k + 1], context: summary.contextClog2c[k])
    }

    /// H(joint) − H(context marginal) from `total` (k+1)-grams, Σ c·log₂c over the distinct
    /// (k+1)-grams (`joint`) and over the distinct first k ids of the (k+1)-grams (`context`).
    static func conditionalEntropy(total: Int, joint: Double, context: Double) -> Double? {
        guard total > 0 else { return nil }
        let n = Double(total)
        let hj = log2(n) - joint / n
        let hc = log2(n) - context / n
        return Swift.max(0, hj - hc)
    }

    /// Plug-in (maximum-likelihood) entropy in bits of a distribution given by counts.
    static func pluginEntropy<C: Collection<Int>>(_ counts: C, total: Int) -> Double? {
        guard total > 0 else { return nil }
        let n = Double(total)
        var s = 0.0
        for c in counts where c > 0 { s += Double(c) * log2(Double(c)) }
        return log2(n) - s / n
    }

    /// An entropy divided by log₂ of `size` types, nil for fewer than two: the efficiencies
    /// above, for a caller that has the entropy already.
    static func divideByLogSize(_ h: Double, _ size: Int) -> Double? {
        guard size > 1 else { return nil }
        return h / log2(Double(size))
    }
}

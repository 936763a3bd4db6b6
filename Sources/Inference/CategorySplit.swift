/// A categorical split: the input is read as a category index, and the row goes one way when the
/// index is in the split's set, the other way when it is not (or is not a valid index). A missing
/// value (NaN) goes by the node's `missingGoesLeft`.
///
/// XGBoost and LightGBM agree on that shape and differ in two details, both kept here as data:
/// which side the set sends rows to (XGBoost: right; LightGBM: left) and which numbers are valid
/// indices (`Indexing`).
public struct CategorySplit: Sendable, Equatable {
    /// How an input number becomes a category index; an invalid one counts as "not in the set".
    public enum Indexing: String, Sendable {
        /// XGBoost: x < 0 is invalid (so −0.5 is), else the index is x truncated toward zero;
        /// x ≥ 2^24 is invalid (XGBoost's largest category).
        case nonNegative
        /// LightGBM: x truncated toward zero to an Int32 (so −0.5 is category 0); below 0, or
        /// outside Int32 (the x86 conversion gives INT_MIN), is invalid.
        case truncatedInt32
    }

    /// Bit c of `words[c / 32]` (least significant bit first) is set when category c is in the set;
    /// categories past the last word are not in it.
    public var words: [UInt32]
    /// Where a row whose category is in the set goes.
    public var inSetGoesLeft: Bool
    public var indexing: Indexing

    /// LightGBM's `kZeroThreshold` (a float's 1e-35 widened to double): values this close to zero
    /// are zero to LightGBM, and are "missing" at nodes whose missing type is Zero.
    public static let zeroMargin = Double(Float(1e-35))
    /// XGBoost refuses category indices from 2^24 on (a float32 is exact below it).
    static let largestIndexExclusive = Double(1 << 24)

    public init(words: [UInt32], inSetGoesLeft: Bool, indexing: Indexing) {
        self.words = words
        self.inSetGoesLeft = inSetGoesLeft
        self.indexing = indexing
    }

    /// The direction for a non-missing input `x` (already cast as the ensemble casts inputs).
    @inline(__always)
    func goesLeft(_ x: Double) -> Bool {
        contains(x) ? inSetGoesLeft : !inSetGoesLeft
    }

    func contains(_ x: Double) -> Bool {
        let index: Int
        switch indexing {
        case .nonNegative:
            guard x >= 0, x < Self.largestIndexExclusive else { return false }
            index = Int(x)
        case .truncatedInt32:
            // static_cast<int>(x) on x86-64: truncation; anything outside Int32 (or NaN) is INT_MIN.
            guard x > -1, x < 2_147_483_648 else { return false }
            index = Int(x)
        }
        let word = index >> 5
        guard word < words.count else { return false }
        return words[word] & (1 << UInt32(index & 31)) != 0
    }
}

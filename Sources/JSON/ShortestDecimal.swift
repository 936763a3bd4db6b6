/// The shortest decimal that reads back as a given Double, and of those the nearest to it, worked
/// out exactly in integers for the Doubles of [1e-4, 1e16): the range Python's repr writes in
/// fixed notation, where nearly every prediction falls. (Swift's own digits, `ShortestDigits`, come
/// through the standard library's text stream: callgrind counted 1,249 instructions for a /predict's
/// two values that way, 1,026 this way, laying the text out included.)
///
/// A Double v = m × 2^e reads back from any decimal strictly inside the interval halfway to its
/// neighbours, and from its ends too when m is even (a tie rounds to the even significand). Scaled
/// by 10^q so that v has 18 digits before the point, the interval's ends and v itself are exact
/// integers over the power of two 2^-e (products under 2^125); the interval then holds the integers
/// `lo...hi`. The shortest decimal is the multiple of the largest power of ten 10^t found there
/// (dividing `lo` up and `hi` down by ten until no multiple is left between them), and of two or
/// more such multiples, the one nearest v (a tie, v exactly halfway, goes to the even one).
struct ShortestDecimal {
    /// The digits as an integer, with no trailing zero: value = digits × 10^exponent.
    let digits: UInt64
    let exponent: Int

    /// The shortest decimal of `value`, which must be in [1e-4, 1e16).
    init(_ value: Double) {
        let fraction = value.significandBitPattern
        let biased = Int(value.exponentBitPattern)
        let m = fraction | (1 << 52)
        let e = biased - 1075
        // The decimal exponent k (10^k <= v < 10^(k+1)): from the binary one, then one check. The
        // Doubles nearest 1e-4...1e-1 lie above those powers, so no Double falls between a power of
        // ten and its Double: comparing with the Double decides.
        var k = ((biased - 1023) * 78_913) >> 18  // floor(log10(2) × binary exponent)
        if k < 15, value >= Self.powerOfTen(k + 1) { k += 1 }
        let q = 17 - k
        let scale = UInt128(DecimalText.integerPowersOfTen[min(q, 19)]) * UInt128(DecimalText.integerPowersOfTen[max(q - 19, 0)])
        // In units of 2^(e-2): v is 4m, its upper neighbour's midpoint 4m + 2, the lower one's 4m - 2,
        // or 4m - 1 where m is a power of two (the Double below is half as far).
        let shift = 2 - e
        let mask = (UInt128(1) << shift) - 1
        let middle = UInt128(m << 2) * scale
        let upper = middle + 2 * scale
        let lower = middle - (fraction == 0 && biased > 1 ? 1 : 2) * scale
        let closed = m & 1 == 0
        var lo = UInt64(truncatingIfNeeded: lower >> shift)
        if lower & mask != 0 || !closed { lo += 1 }
        var hi = UInt64(truncatingIfNeeded: upper >> shift)
        if upper & mask == 0 && !closed { hi -= 1 }
        // The largest power of ten with a multiple in lo...hi.
        var t = 0
        var power: UInt64 = 1
        while true {
            let h = hi / 10
            let l = (lo + 9) / 10
            guard h >= l else { break }
            hi = h
            lo = l
            t += 1
            power *= 10
        }
        var chosen = lo
        if hi > lo {
            // Several: the nearest to v = (whole + rest / 2^shift) × 10^t... at this scale.
            let whole = UInt64(truncatingIfNeeded: middle >> shift)
            let rest = middle & mask
            let (quotient, remainder) = whole.quotientAndRemainder(dividingBy: power)
            // power is 10^t with t >= 1 (at 18 digits the interval is over 11 units wide, so it holds
            // a multiple of 10), so it is even, and so is twice the remainder: below power by 2 or
            // more, v is nearer the lower; at power exactly, v is halfway if nothing is left of it.
            let twice = 2 * remainder
            let roundUp = twice > power || (twice == power && (rest != 0 || quotient & 1 == 1))
            chosen = min(max(quotient + (roundUp ? 1 : 0), lo), hi)
        }
        digits = chosen
        exponent = t - q
    }

    /// 10^power for power in -4...16, the Double nearest it.
    static func powerOfTen(_ power: Int) -> Double {
        switch power {
        case -4: 1e-4
        case -3: 1e-3
        case -2: 1e-2
        case -1: 1e-1
        default: DecimalText.exactPowerOfTen(power)
        }
    }
}

import Glibc
import Testing
@testable import Inference

/// The arithmetic after the trees, in numpy's and scipy's order.
@Suite struct TreeEnsembleLinkTests {
    typealias Link = TreeEnsemble.Link

    /// numpy sums a row-major row pairwise: in order below 8 values, else 8 running sums combined as a
    /// tree, then the rest in order. The order shows on values whose rounding depends on it.
    @Test func pairwiseSumFollowsNumpysOrder() {
        // 8 running sums r_j = x_j + x_{j+8}: r_0 = 1e16 + 1 rounds to 1e16 (ties to even), r_4 = −1e16.
        var x = [Double](repeating: 0, count: 16)
        x[0] = 1e16; x[8] = 1; x[4] = -1e16
        // ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)) = 1e16 + −1e16 = 0.
        #expect(Link.pairwiseSum(x, x.count) == 0)
        // In order: 1e16 + … + −1e16 = 0 first, then + 1.
        #expect(Link.sum(x, x.count, .sequential) == 1 && Link.sum(x, x.count, .pairwise) == 0)
        // Below 8 values, both are in order.
        #expect(Link.pairwiseSum([1e16, 1, -1e16, 1], 4) == ((1e16 + 1) + -1e16) + 1)
    }

    /// Above 128 values numpy halves the row (at a multiple of 8) and adds the halves' sums.
    @Test func longRowsAreSummedInHalves() {
        let x = (0..<300).map { Double($0) * 0.1 }
        let half = 144  // 150 rounded down to a multiple of 8
        #expect(Link.pairwiseSum(x, 300) == Link.pairwiseSum(x, half) + Link.pairwiseSum(Array(x[half...]), 300 - half))
    }

    /// expit is scipy's 1 / (1 + exp(−x)) with glibc's exp; class 0 gets 1 − p.
    @Test(arguments: [-800.0, -3.5, -0.0, 0, 1e-17, 2.25, 40, 800])
    func expitIsScipys(raw: Double) {
        var p = [0.0, 0.0]
        Link.expit.probabilities([raw], outputCount: 1, sumOrder: .pairwise, into: &p)
        #expect(p[1] == 1 / (1 + Glibc.exp(-raw)) && p[0] == 1 - p[1])
        Link.expitOfTwice.probabilities([raw], outputCount: 1, sumOrder: .pairwise, into: &p)
        #expect(p[1] == 1 / (1 + Glibc.exp(-2 * raw)))
    }

    /// softmax subtracts the row's maximum before exp and divides by the row's sum in the given order.
    @Test func softmaxSubtractsTheMaximum() {
        let raw = [1000.0, 999.0, -5.0]
        var p = [0.0, 0.0, 0.0]
        Link.softmax.probabilities(raw, outputCount: 3, sumOrder: .sequential, into: &p)
        let e = raw.map { Glibc.exp($0 - 1000) }
        let sum = (e[0] + e[1]) + e[2]
        #expect(p == e.map { $0 / sum })
        #expect(p.allSatisfy { $0.isFinite })
    }

    /// Labels: numpy's argmax takes the first of equal values; binary rules compare the raw score with 0.
    @Test func decisionsPickAsScikitLearn() {
        let tie = [0.25, 0.5, 0.5]
        #expect(TreeEnsemble.Decision.argmaxProbability.classIndex(raw: [9], outputCount: 1, probabilities: tie, classCount: 3) == 1)
        #expect(TreeEnsemble.Decision.rawAtLeastZero.classIndex(raw: [0], outputCount: 1, probabilities: tie, classCount: 2) == 1)
        #expect(TreeEnsemble.Decision.rawAboveZero.classIndex(raw: [0], outputCount: 1, probabilities: tie, classCount: 2) == 0)
        #expect(TreeEnsemble.Decision.argmaxRaw.classIndex(raw: [-1, 3, 3], outputCount: 3, probabilities: tie, classCount: 3) == 1)
    }
}

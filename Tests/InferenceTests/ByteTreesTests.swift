import CTreeKernels
import TestSupport
import Testing
@testable import Inference

/// The byte-lane few-rows path (`ByteTrees`, ShallowBytes.c) against the complete layout, which
/// compares keys in the trees; `ShallowForestTests.expectLayoutsAgree` compares all the paths.
@Suite struct ByteTreesTests {
    /// Whether this CPU and `EVSERVE_SIMD` let the kernel run (the tests below check the refusals
    /// everywhere, and the predictions through whichever path runs).
    static let kernelRuns = ByteTrees.bestInstructionSet > 0

    /// Splits at every level of a depth-4 tree on up to 13 features, as in the reference model, get the
    /// byte layout where the kernel runs, and none where it does not.
    @Test func referenceShapedForestsGetTheLayout() {
        var random = SeededGenerator(seed: 7)
        let trees = ShallowForestTests.randomForest(&random, trees: 50, features: 13, cuts: [-1, 0, 0.5, 2, 9])
        let forest = CompiledForest(trees: trees, featureCount: 13, base: 0, leafScale: 0.1, averaged: false)
        #expect((forest.bytes != nil) == Self.kernelRuns)
    }

    /// More features than one 256-bit register of rank bytes holds, or a feature with more distinct
    /// thresholds than a byte ranks, leave the forest to the other paths.
    @Test func refusesWhatABytePermutationCannotHold() {
        var random = SeededGenerator(seed: 8)
        let wide = ShallowForestTests.randomForest(&random, trees: 20, features: 33, cuts: [0, 1])
        #expect(CompiledForest(trees: wide, featureCount: 33, base: 0, leafScale: nil, averaged: false).bytes == nil)
        let cuts = (0..<600).map { Double($0) }
        let fine = ShallowForestTests.randomForest(&random, trees: 400, features: 1, cuts: cuts)
        #expect(ThresholdTable(trees: fine, featureCount: 1).featureKeyCount[0] > ByteTrees.maxKeysPerSlot)
        #expect(CompiledForest(trees: fine, featureCount: 1, base: 0, leafScale: nil, averaged: false).bytes == nil)
    }

    /// Tree counts on both sides of the 32-tree block (the last block partly full): every sum matches the
    /// complete layout's bit for bit, at 1, 2 and 3 rows (a pair and a lone row), and at 40 (a block of
    /// row lanes, where they run, then 8 rows on the trees' lanes).
    @Test(arguments: [1, 31, 32, 33, 64, 65, 500])
    func everyTreeCountAddsInOrder(treeCount: Int) {
        var random = SeededGenerator(seed: UInt64(treeCount))
        let cuts: [Double] = [-2.5, -0.0, 1e-40, 0.3, 0.30000001, 4, 1e300]
        let trees = ShallowForestTests.randomForest(&random, trees: treeCount, features: 5, cuts: cuts)
        let rows = (0..<(40 * 5)).map { _ in cuts[Int(random.next() % UInt64(cuts.count))] * (random.next() % 3 == 0 ? -1 : 1) }
        ShallowForestTests.expectLayoutsAgree(trees, features: 5, rows: rows, sizes: [1, 2, 3, 40])
    }

    /// Every build of the kernel this CPU runs (AVX2; AVX-512 VBMI too where there) adds what the
    /// complete layout adds, bit for bit, in float64, and what a plain float32 loop adds for XGBoost's
    /// sums: on forests of 5 and 16 features (AVX2 looks the ranks up once) and 17 and 32 (twice, feature
    /// bytes with bit 7 set), at 1 to 7 rows (AVX2 takes rows four at a time, then pairs, then one).
    /// So do the row lanes (`addRows`, RowLanes.c), on either side of their 32-row blocks.
    @Test(arguments: [5, 16, 17, 32])
    func everyBuildAddsAsThePlainLoops(features: Int) throws {
        var random = SeededGenerator(seed: UInt64(200 + features))
        let cuts: [Double] = [-3, -0.5, 0, 0.25, 1, 7.5]
        let trees = ShallowForestTests.randomForest(&random, trees: 70, features: features, cuts: cuts)
        let forest = CompiledForest(trees: trees, featureCount: features, base: 0.5, leafScale: 0.1, averaged: false)
        let complete = CompiledForest(trees: trees, featureCount: features, base: 0.5, leafScale: 0.1, averaged: false,
                                      shallowLayout: false)
        let float32 = ByteTrees.sums(of: trees, featureCount: features, float32: true, leafScale: nil)
        guard Self.kernelRuns else {
            #expect(forest.bytes == nil && float32 == nil)
            return
        }
        let bytes = try #require(forest.bytes), bytes32 = try #require(float32)
        let rowCount = 70
        let rows = (0..<(rowCount * features)).map { _ in cuts[Int(random.next() % UInt64(cuts.count))] + Double(random.next() % 3) - 1 }
        var expected = [Double](repeating: .nan, count: rowCount), expected32 = [Double](repeating: 0, count: rowCount)
        rows.withUnsafeBufferPointer { input in
            expected.withUnsafeMutableBufferPointer { complete.predict(input.baseAddress!, rowCount: rowCount, into: $0.baseAddress!) }
            // XGBoost's order and precision: each tree's leaf value as a Float, added on Floats from 0.
            for tree in trees {
                let lone = CompiledForest(trees: [tree], featureCount: features, base: 0, leafScale: nil, averaged: false,
                                          shallowLayout: false)
                var leaf = [Double](repeating: .nan, count: rowCount)
                leaf.withUnsafeMutableBufferPointer { lone.predict(input.baseAddress!, rowCount: rowCount, into: $0.baseAddress!) }
                for r in 0..<rowCount { expected32[r] = Double(Float(expected32[r]) + Float(leaf[r])) }
            }
        }
        var keys = [Int32](repeating: 0, count: rows.count)
        ctk_input_keys(rows, Int64(rows.count), &keys)
        for set in 1...ByteTrees.bestInstructionSet {
            for count in 1...7 {
                var sums = [Double](repeating: 0.5, count: count), sums32 = [Double](repeating: 0, count: count)
                bytes.add(keys, count, &sums, instructionSet: set)
                bytes32.add(keys, count, &sums32, instructionSet: set)
                #expect(sums.map(\.bitPattern) == expected.prefix(count).map(\.bitPattern), "build \(set), \(count) rows")
                #expect(sums32.map(\.bitPattern) == expected32.prefix(count).map(\.bitPattern), "build \(set), \(count) rows, float32")
            }
        }
        guard ByteTrees.rowLanesRun else { return }
        #expect(!bytes.rowNodes.isEmpty && !bytes32.rowNodes.isEmpty)
        for count in [1, 2, 7, 31, 32, 33, 64, 70] {
            var sums = [Double](repeating: 0.5, count: count), sums32 = [Double](repeating: 0, count: count)
            bytes.addRows(keys, count, &sums)
            bytes32.addRows(keys, count, &sums32)
            #expect(sums.map(\.bitPattern) == expected.prefix(count).map(\.bitPattern), "row lanes, \(count) rows")
            #expect(sums32.map(\.bitPattern) == expected32.prefix(count).map(\.bitPattern), "row lanes, \(count) rows, float32")
        }
    }

    /// Inputs at the edges of float32: NaN, ±infinity, ±0, subnormals (float64 ones that round to 0
    /// or to the smallest float32 subnormal), values exactly at each threshold, the float32 neighbours of
    /// each threshold, and float64 values between two float32 ones — on trees whose thresholds are such
    /// values too, of every depth from 1 to 4 (shallower trees are padded); 45 rows reach the row lanes
    /// where they run (a block of 32, then 13 on the trees' lanes).
    @Test(arguments: 1...4)
    func edgeValuesDecideAsTheCompleteLayout(depth: Int) {
        var random = SeededGenerator(seed: UInt64(100 + depth))
        let subnormal = Double(Float.leastNonzeroMagnitude)
        let cuts: [Double] = [-0.0, 0, subnormal, -subnormal, subnormal / 3, 1.5, Double(Float(1.5).nextUp), 1.5 + 1e-12,
                              -1e38, 3.4028234663852886e38, -.infinity, .infinity]
        var trees = ShallowForestTests.randomForest(&random, trees: 45, features: 4, cuts: cuts.filter(\.isFinite))
        trees = trees.filter { $0.depth <= depth }
        if trees.isEmpty || trees.allSatisfy({ $0.depth == 0 }) { trees.append(ShallowForestTests.stump) }
        var inputs: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, 1e-320, -1e-320, 5e-324]
        for cut in cuts where cut.isFinite {
            let single = Float(cut)
            inputs += [cut, Double(single), Double(single.nextUp), Double(single.nextDown), cut.nextUp, cut.nextDown]
        }
        let rows = (0..<(60 * 4)).map { _ in inputs[Int(random.next() % UInt64(inputs.count))] }
        ShallowForestTests.expectLayoutsAgree(trees, features: 4, rows: rows, sizes: [1, 2, 3, 5, 19, 45])
    }
}

import CTreeKernels
import TestSupport
import Testing
@testable import Inference

/// XGBoost's shallow forests at few rows on byte lanes (`EnsemblePredictor.fewRows`, float32 sums):
/// every raw score bit for bit the interleaved layout's and the plain walk's, missing values included.
@Suite struct ByteTreesFloat32Tests {
    /// An XGBoost-shaped ensemble: float32 inputs and sums, missing values accepted, thresholds stored
    /// as XGBoost's reader stores `x < c` (the double of the float below c), random `default_left`.
    static func ensemble(_ random: inout SeededGenerator, trees treeCount: Int, features: Int, outputs: Int,
                         conditions: [Float], base: Double) -> TreeEnsemble {
        let cuts = conditions.map { Double($0.nextDown) }
        var trees = ShallowForestTests.randomForest(&random, trees: treeCount, features: features, cuts: cuts)
        for t in trees.indices {
            trees[t].missingGoesLeft = trees[t].missingGoesLeft.map { _ in random.next() % 2 == 0 }
            // Leaf values that are not Floats: the layouts round them as XGBoost's reader would have.
            trees[t].value = trees[t].value.map { $0 * 1.000000001 - 0.3 }
        }
        var ensemble = TreeEnsemble(
            estimator: "XGBRegressor", featureCount: features, featureNames: nil, inputPrecision: .float32, acceptsMissing: true,
            outputCount: outputs, base: (0..<outputs).map { base + Double($0) / 3 }, trees: trees,
            treeOutput: (0..<treeCount).map { $0 % outputs })
        ensemble.accumulation = .float32
        return ensemble
    }

    /// The byte layout's raw scores, the interleaved layout's and the walk's for `rows`, at each size.
    static func expectAgree(_ ensemble: TreeEnsemble, rows: [Double], sizes: [Int]) {
        let fast = EnsemblePredictor(ensemble)
        let interleaved = EnsemblePredictor(ensemble, layout: .interleaved)
        // Each raw score's trees need one split at least (a forest of lone leaves has no byte layout).
        let splits = (0..<ensemble.outputCount).allSatisfy { k in ensemble.trees.indices.contains { ensemble.treeOutput[$0] == k && ensemble.trees[$0].depth > 0 } }
        #expect((fast.fewRows != nil) == (ByteTreesTests.kernelRuns && splits))
        #expect(interleaved.fewRows == nil)
        let n = ensemble.featureCount, outputs = ensemble.outputCount
        for size in sizes {
            var a = [Double](repeating: .nan, count: size * outputs), b = a, walked = a
            rows.withUnsafeBufferPointer { input in
                fast.raw(input.baseAddress!, rowCount: size, into: &a)
                interleaved.raw(input.baseAddress!, rowCount: size, into: &b)
                for r in 0..<size {
                    let cast = (0..<n).map { Double(Float(input[r * n + $0])) }
                    walked.withUnsafeMutableBufferPointer { out in
                        cast.withUnsafeBufferPointer { fast.walk($0.baseAddress!, into: out.baseAddress! + r * outputs) }
                    }
                }
            }
            // Bit for bit: `==` would take −0 for +0.
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(size) rows against the interleaved layout")
            #expect(a.map(\.bitPattern) == walked.map(\.bitPattern), "\(size) rows against the walk")
            #expect(a.allSatisfy { Double(Float($0)).bitPattern == $0.bitPattern }, "sums are Floats")
        }
    }

    /// Tree counts on both sides of the 32-tree block, one raw score and three (trees taking turns):
    /// every sum is XGBoost's, at 1, 2, 3 and 15 rows.
    @Test(arguments: [(1, 1), (33, 1), (64, 1), (500, 1), (96, 3), (100, 3)])
    func everyTreeCountAddsInFloat32(treeCount: Int, outputs: Int) {
        var random = SeededGenerator(seed: UInt64(treeCount * 10 + outputs))
        let conditions: [Float] = [-2.5, 0, 0.3, 0.30000001, 4, 1e30]
        let ensemble = Self.ensemble(&random, trees: treeCount, features: 7, outputs: outputs, conditions: conditions, base: 0.5)
        let rows = (0..<(15 * 7)).map { _ in Double(conditions[Int(random.next() % 6)]) * (random.next() % 3 == 0 ? -1 : 1) + 0.01 * Double(random.next() % 3) }
        Self.expectAgree(ensemble, rows: rows, sizes: [1, 2, 3, 15])
    }

    /// NaN (routed by each split's default_left), ±infinity, ±0, subnormals, values
    /// exactly at each condition (which go right: `x < c`) and their float32 neighbours, float64 values
    /// between two floats, and a base of −0.
    @Test(arguments: [0.0, -0.0, 1e-40])
    func edgeValuesDecideAsTheWalk(base: Double) {
        var random = SeededGenerator(seed: base.bitPattern % 1000 + 3)
        let conditions: [Float] = [-0.0, 0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1.5, Float(1.5).nextUp,
                                   -1e38, .greatestFiniteMagnitude, .infinity]
        let ensemble = Self.ensemble(&random, trees: 70, features: 4, outputs: 1, conditions: conditions, base: base)
        var inputs: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, 1e-320, -1e-320, 5e-324]
        for c in conditions where c.isFinite {
            inputs += [Double(c), Double(c.nextUp), Double(c.nextDown), Double(c).nextUp, Double(c).nextDown]
        }
        // With NaN among them (those calls go to the interleaved layout), and without (on bytes).
        let rows = (0..<(15 * 4)).map { _ in inputs[Int(random.next() % UInt64(inputs.count))] }
        Self.expectAgree(ensemble, rows: rows, sizes: [1, 2, 3, 5, 15])
        let present = inputs.filter { !$0.isNaN }
        let complete = (0..<(15 * 4)).map { _ in present[Int(random.next() % UInt64(present.count))] }
        Self.expectAgree(ensemble, rows: complete, sizes: [1, 2, 3, 5, 15])
    }

    /// Trees deeper than 8, or more than 32 features, leave XGBoost's forests to the interleaved layout;
    /// trees 5–8 deep get the deeper byte layout where it is chosen (`DeepBytesTests` checks its sums).
    @Test func refusesWhatTheBytesCannotHold() {
        var random = SeededGenerator(seed: 41)
        let wide = Self.ensemble(&random, trees: 10, features: 33, outputs: 1, conditions: [0, 1], base: 0)
        #expect(EnsemblePredictor(wide).fewRows == nil)
        for (depth, onBytes) in [(6, ByteTrees.deepChosen), (9, false)] {
            var deep = Self.ensemble(&random, trees: 3, features: 3, outputs: 1, conditions: [0, 1], base: 0)
            deep.trees.append(RandomTree.make(depth: depth, featureCount: 3, fullLevels: depth, splitChance: 1, &random))
            deep.treeOutput.append(0)
            #expect(deep.trees.last!.depth == depth)
            #expect((EnsemblePredictor(deep).fewRows != nil) == onBytes, "depth \(depth)")
        }
    }
}

import CTreeKernels
import TestSupport
import Testing
@testable import Inference

/// Trees 5–8 deep on byte lanes (`ByteTrees` at their own depth, DeepBytes.c) add each row's leaf values
/// in tree order, as the walk does, bit for bit: float64 sums (scaled as gradient boosting scales them)
/// and float32 sums (XGBoost's), every depth, blocks of 32 trees whole and partial, one, two or four rank tables,
/// features whose keys fill several rank slots; and `EnsemblePredictor` gives them few rows where it
/// chooses them.
@Suite struct DeepBytesTests {
    /// An ensemble of `trees` with float32 inputs (the rows below are Floats), summed as `accumulation` says.
    static func ensemble(_ trees: [DecisionTree], featureCount: Int, _ accumulation: TreeEnsemble.Accumulation,
                         averaged: Bool = false, acceptsMissing: Bool = false) -> TreeEnsemble {
        var ensemble = TreeEnsemble(estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: acceptsMissing,
                                    base: [averaged ? 0 : 0.1], leafScale: accumulation == .float64 && !averaged ? 0.1 : nil,
                                    averaged: averaged, trees: trees)
        ensemble.accumulation = accumulation
        return ensemble
    }

    /// The walk's raw scores of each row, row-major (`EnsemblePredictor.walk`: every tree, in order).
    static func walked(_ ensemble: TreeEnsemble, _ rows: [Double], rowCount: Int) -> [Double] {
        let predictor = EnsemblePredictor(ensemble, layout: .interleaved), outputs = ensemble.outputCount
        var out = [Double](repeating: .nan, count: rowCount * outputs)
        rows.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { scores in
                for r in 0..<rowCount { predictor.walk(input.baseAddress! + r * ensemble.featureCount, into: scores.baseAddress! + r * outputs) }
            }
        }
        return out
    }

    /// The layout's sums from the ensemble's base for `rowCount` rows (the kernel must run here).
    static func added(_ bytes: ByteTrees, _ ensemble: TreeEnsemble, _ rows: [Double], rowCount: Int) -> [Double] {
        var keys = [Int32](repeating: 0, count: rowCount * ensemble.featureCount)
        ctk_input_keys(rows, Int64(keys.count), &keys)
        let base = ensemble.accumulation == .float32 ? Double(Float(ensemble.base[0])) : ensemble.base[0]
        var sums = [Double](repeating: base, count: rowCount)
        bytes.add(keys, rowCount, &sums)
        return sums
    }

    /// Rows without missing values (ranks send NaN right at every split; `raw` gives such rows to the walks).
    static func rows(_ count: Int, featureCount: Int, _ random: inout SeededGenerator) -> [Double] {
        DeepLanesTests.rows(count, featureCount: featureCount, missing: false, &random).map { Double(Float($0)) }
    }

    /// Each depth, with few and many features (one rank table, two from 17 slots on, four from 33), tree counts
    /// on both sides of the 32-tree block, at 1 to 5 rows (pairs, then a lone row): every sum is the walk's.
    @Test(arguments: [(5, 70, 5), (10, 45, 6), (23, 33, 7), (3, 65, 8), (12, 31, 8), (17, 40, 6), (40, 45, 6), (64, 33, 8), (50, 40, 5)])
    func everyDepthAddsAsTheWalk(featureCount: Int, treeCount: Int, depth: Int) throws {
        var random = SeededGenerator(seed: UInt64(featureCount * 1000 + treeCount * 10 + depth))
        let trees = DeepLanesTests.trees(treeCount, depth: depth, featureCount: featureCount, fineThresholds: false, &random)
        for accumulation in [TreeEnsemble.Accumulation.float64, .float32] {
            let ensemble = Self.ensemble(trees, featureCount: featureCount, accumulation)
            let bytes = ByteTrees.sums(of: trees, featureCount: featureCount, float32: accumulation == .float32, leafScale: ensemble.leafScale)
            guard ByteTreesTests.kernelRuns else {
                #expect(bytes == nil)
                continue
            }
            let layout = try #require(bytes)
            #expect(layout.depth == trees.map(\.depth).max())
            let rows = Self.rows(5, featureCount: featureCount, &random)
            let expected = Self.walked(ensemble, rows, rowCount: 5)
            for rowCount in 1...5 {
                let sums = Self.added(layout, ensemble, rows, rowCount: rowCount)
                #expect(sums.map(\.bitPattern) == expected.prefix(rowCount).map(\.bitPattern), "\(accumulation), \(rowCount) rows")
            }
        }
    }

    /// Where the ensemble accepts missing values, each feature's keys fill a run of slots for the splits that
    /// send a missing value left (it ranks first there) and one for the rest (it ranks last): rows with
    /// missing values then add as the walk, on complete layouts of each depth and on leaf sets, with one
    /// rank table, two or four (16 features, both sides: 32 slots; 24: 48).
    @Test(arguments: [(6, 5), (10, 6), (16, 7), (5, 8), (8, 0), (16, 0), (24, 6), (30, 0)])
    func missingValuesGoWhereEachSplitSends(featureCount: Int, depth: Int) throws {
        guard ByteTreesTests.kernelRuns else { return }
        var random = SeededGenerator(seed: UInt64(300 + featureCount * 10 + depth))
        let trees = depth == 0 ? LeafSetsTests.trees(45, leaves: 32, depth: 20, featureCount: featureCount, &random)
            : DeepLanesTests.trees(45, depth: depth, featureCount: featureCount, fineThresholds: false, &random)
        for accumulation in [TreeEnsemble.Accumulation.float64, .float32] {
            let ensemble = Self.ensemble(trees, featureCount: featureCount, accumulation, acceptsMissing: true)
            let layout = try #require(ByteTrees.sums(of: trees, featureCount: featureCount, float32: accumulation == .float32,
                                                     leafScale: ensemble.leafScale, routesMissing: true))
            #expect(layout.routesMissing && layout.depth == depth)
            #expect(layout.slotMissingLeft.filter { $0 == 1 }.count == Set(trees.flatMap { tree in
                (0..<tree.nodeCount).filter { !tree.isLeaf($0) && tree.missingGoesLeft[$0] }.map { tree.feature[$0] } }).count)
            let rows = DeepLanesTests.rows(40, featureCount: featureCount, missing: true, &random).map { Double(Float($0)) }
            #expect(rows.contains { $0.isNaN })
            let expected = Self.walked(ensemble, rows, rowCount: 40)
            for rowCount in [1, 2, 3, 40] {
                let sums = Self.added(layout, ensemble, rows, rowCount: rowCount)
                #expect(sums.map(\.bitPattern) == expected.prefix(rowCount).map(\.bitPattern), "\(accumulation), \(rowCount) rows")
            }
        }
    }

    /// A feature of hundreds of threshold keys takes a rank slot for each 255 of them, and every node of it
    /// is decided in its key's slot: the sums are still the walk's, inputs on its keys and between them.
    @Test func aFeatureOfManyKeysTakesSeveralSlots() throws {
        var random = SeededGenerator(seed: 91)
        let featureCount = 3
        let trees = DeepLanesTests.trees(150, depth: 7, featureCount: featureCount, fineThresholds: true, &random)
        let table = ThresholdTable(trees: trees, featureCount: featureCount)
        #expect(table.featureKeyCount[0] > 2 * ByteTrees.maxKeysPerSlot)
        guard ByteTreesTests.kernelRuns else { return }
        let layout = try #require(ByteTrees.sums(of: trees, featureCount: featureCount, float32: false, leafScale: 0.1))
        let slotsOfFeature0 = (table.featureKeyCount[0] + ByteTrees.maxKeysPerSlot - 1) / ByteTrees.maxKeysPerSlot
        #expect(layout.slotFeature == [Int32](repeating: 0, count: slotsOfFeature0) + [1, 2])
        // Inputs at feature 0's keys, just above them, and between the grid's points.
        let keys = trees.flatMap { tree in (0..<tree.nodeCount).filter { tree.feature[$0] == 0 }.map { tree.threshold[$0] } }
        var rows = Self.rows(60, featureCount: featureCount, &random)
        for r in 0..<60 {
            let key = Float(keys[Int(random.next() % UInt64(keys.count))])
            rows[r * featureCount] = Double([key, key.nextUp, key.nextDown][r % 3])
        }
        let ensemble = Self.ensemble(trees, featureCount: featureCount, .float64)
        let expected = Self.walked(ensemble, rows, rowCount: 60)
        #expect(Self.added(layout, ensemble, rows, rowCount: 60).map(\.bitPattern) == expected.map(\.bitPattern))
    }

    /// A rank is searched in two steps (the slot's groups of 16, then one group): slots of exactly one, two and
    /// fifteen full groups (above them all, the search stays in the last: past it, 240 keys would rank 256,
    /// which a byte holds as 0), of 255 keys (the last group padded), and features of 256 and 510 keys (a
    /// slot of 255, then one of 1 or 255) rank inputs at every key, beside each, and below and above them
    /// all as the walk decides them.
    @Test(arguments: [16, 32, 240, 255, 256, 510])
    func searchedRanksAtEveryGroupEdge(keyCount: Int) throws {
        guard ByteTreesTests.kernelRuns else { return }
        var random = SeededGenerator(seed: UInt64(keyCount))
        let cuts = (0..<keyCount).map { Double($0) / 64 - 2 }
        var trees = DeepLanesTests.trees(150, depth: 6, featureCount: 2, fineThresholds: false, &random)
        var next = 0
        for t in trees.indices {
            for node in 0..<trees[t].nodeCount where !trees[t].isLeaf(node) && trees[t].feature[node] == 0 {
                trees[t].threshold[node] = cuts[next % keyCount]
                next += 1
            }
        }
        #expect(next >= keyCount)
        #expect(ThresholdTable(trees: trees, featureCount: 2).featureKeyCount[0] == keyCount)
        let layout = try #require(ByteTrees.sums(of: trees, featureCount: 2, float32: false, leafScale: 0.1))
        #expect(layout.slotFeature.filter { $0 == 0 }.count == (keyCount + 254) / 255)
        var inputs = [-100.0, 100, cuts[0] - 1, cuts[keyCount - 1] + 1]
        for cut in cuts { inputs += [cut, Double(Float(cut).nextUp), Double(Float(cut).nextDown)] }
        let rows = inputs.flatMap { [$0, Double(Float(Double.random(in: -2...2, using: &random)))] }
        let ensemble = Self.ensemble(trees, featureCount: 2, .float64)
        let expected = Self.walked(ensemble, rows, rowCount: inputs.count)
        #expect(Self.added(layout, ensemble, rows, rowCount: inputs.count).map(\.bitPattern) == expected.map(\.bitPattern))
    }

    /// Trees deeper than 8, or more rank slots than four tables hold, leave the forest to the walks.
    @Test func refusesWhatTheLanesCannotHold() {
        var random = SeededGenerator(seed: 92)
        let deep = [RandomTree.make(depth: 9, featureCount: 4, fullLevels: 9, splitChance: 1, &random)]
        #expect(ByteTrees.sums(of: deep, featureCount: 4, float32: false, leafScale: nil) == nil)
        let wide = DeepLanesTests.trees(200, depth: 6, featureCount: 65, fineThresholds: false, &random)
        #expect(ThresholdTable(trees: wide, featureCount: 65).featureKeyCount.filter { $0 > 0 }.count > ByteTrees.maxSlots)
        #expect(ByteTrees.sums(of: wide, featureCount: 65, float32: false, leafScale: nil) == nil)
    }

    /// A slot's feature may be any of the row's (a model of hundreds of features whose trees use a few):
    /// trees on features 260–299 of 300 rank them and add as the walk.
    @Test func slotsReachFeaturesPastAByte() throws {
        guard ByteTreesTests.kernelRuns else { return }
        var random = SeededGenerator(seed: 93)
        let trees = DeepLanesTests.trees(40, depth: 6, featureCount: 40, fineThresholds: false, &random).map { tree in
            var moved = tree
            moved.feature = tree.feature.enumerated().map { node, feature in tree.isLeaf(node) ? feature : feature + 260 }
            return moved
        }
        let ensemble = Self.ensemble(trees, featureCount: 300, .float64)
        let layout = try #require(ByteTrees.sums(of: trees, featureCount: 300, float32: false, leafScale: ensemble.leafScale))
        #expect(layout.slotFeature.min()! >= 260 && layout.slotFeature.count > 32)
        let rows = Self.rows(3, featureCount: 300, &random)
        #expect(Self.added(layout, ensemble, rows, rowCount: 3).map(\.bitPattern) == Self.walked(ensemble, rows, rowCount: 3).map(\.bitPattern))
    }

    /// Where the deeper layouts are chosen, `EnsemblePredictor` gives them calls below `deepRowsBelow`
    /// rows: gradient boosting (float64, scaled), XGBoost's float32 sums and averaged forests predict as the
    /// walk at 1, 2, 7 and 47 rows, and at 48 and 64 (the interleaved walk's), rows with a missing value too
    /// (the layouts route it as each split says).
    @Test func fewRowsOfDeepForestsGoToTheLanes() {
        var random = SeededGenerator(seed: 93)
        let featureCount = 9
        let trees = DeepLanesTests.trees(50, depth: 6, featureCount: featureCount, fineThresholds: false, &random)
        for (accumulation, averaged) in [(TreeEnsemble.Accumulation.float64, false), (.float32, false), (.float64, true)] {
            let ensemble = Self.ensemble(trees, featureCount: featureCount, accumulation, averaged: averaged, acceptsMissing: true)
            let predictor = EnsemblePredictor(ensemble)
            #expect((predictor.fewRows != nil) == ByteTrees.deepChosen)
            #expect(predictor.fewRowsRouteMissing == ByteTrees.deepChosen)
            var rows = Self.rows(64, featureCount: featureCount, &random)
            for withMissing in [false, true] {
                if withMissing { rows[featureCount + 3] = .nan }
                let expected = Self.walked(ensemble, rows, rowCount: 64)
                for rowCount in [1, 2, 7, 47, 48, 64] {
                    var raw = [Double](repeating: .nan, count: rowCount)
                    rows.withUnsafeBufferPointer { predictor.raw($0.baseAddress!, rowCount: rowCount, into: &raw) }
                    #expect(raw.map(\.bitPattern) == expected.prefix(rowCount).map(\.bitPattern),
                            "\(accumulation), averaged \(averaged), \(rowCount) rows, missing \(withMissing)")
                }
            }
        }
    }
}

import Testing
@testable import Inference

@Suite struct CompiledForestTests {
    /// Floats near a Double threshold: `x <= floatRoundedDown(t)` decides as `Double(x) <= t` does.
    @Test func roundedDownThresholdDecidesAsTheDouble() {
        var generator = SystemRandomNumberGenerator()
        var thresholds: [Double] = [0, -0.0, 1, -1, 0.1, -0.1, 1e-40, -1e-40, 3.4e38, 3.5e38, -3.5e38, 6.5, 2.5e-45]
        for _ in 0..<2000 { thresholds.append(Double.random(in: -1e6...1e6, using: &generator)) }
        for _ in 0..<2000 { thresholds.append(Double(bitPattern: generator.next())) }
        for t in thresholds where !t.isNaN {
            let stored = CompiledForest.floatRoundedDown(t)
            let near = Float(t)
            for x in [near, near.nextUp, near.nextDown, stored, stored.nextUp, -near, 0, -0.0, .infinity, -.infinity] {
                #expect((x <= stored) == (Double(x) <= t), "x \(x) t \(t)")
            }
        }
    }

    /// Order keys compare as the Floats do, with −0 equal to +0.
    @Test func orderKeysCompareAsFloats() {
        var values: [Float] = [0, -0.0, 1, -1, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                               .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNormalMagnitude, 0.5, -0.5]
        for _ in 0..<300 { values.append(Float(bitPattern: UInt32.random(in: 0...UInt32.max))) }
        values.removeAll { $0.isNaN }
        for a in values {
            for b in values {
                #expect((CompiledForest.orderKey(a) <= CompiledForest.orderKey(b)) == (a <= b), "\(a) \(b)")
            }
        }
    }

    /// A NaN input's key is above every threshold's key, so it goes right everywhere.
    @Test func nanKeyIsAboveEveryThreshold() {
        #expect(CompiledForest.inputKey(.nan) > CompiledForest.orderKey(.infinity))
        #expect(CompiledForest.inputKey(-Double.nan) > CompiledForest.orderKey(.infinity))
    }

    /// A lone leaf and an unbalanced tree predict their leaf values in the padded complete layout.
    @Test func paddedTreesKeepTheirLeaves() {
        // Root splits feature 0 at 0.5: left is a leaf (1), right splits feature 1 at 2.0 into 2 and 3.
        let tree = DecisionTree(childrenLeft: [1, -1, 3, -1, -1], childrenRight: [2, -1, 4, -1, -1],
                                feature: [0, -2, 1, -2, -2], threshold: [0.5, -2, 2.0, -2, -2], value: [0, 1, 0, 2, 3])
        let leaf = DecisionTree(childrenLeft: [-1], childrenRight: [-1], feature: [-2], threshold: [-2], value: [10])
        let model = TreeModel(estimator: .randomForest, featureCount: 2, featureNames: nil,
                              initialValue: 0, learningRate: 1, trees: [tree, leaf])
        let rows: [Double] = [0.5, 100, 0.6, 2.0, 0.6, 2.1, -1, -100]
        #expect(model.predict(rows, rowCount: 4) == [(1.0 + 10) / 2, (2.0 + 10) / 2, (3.0 + 10) / 2, (1.0 + 10) / 2])
    }

    /// Linked and complete layouts give identical predictions on the same trees.
    @Test func linkedAndCompleteLayoutsAgree() throws {
        let model = try TreeModel(modelFile: try Fixtures.bytes("tree_boston.json"))
        let rows = try Fixtures.checkRows()
        let complete = CompiledForest(trees: model.trees, featureCount: 13, base: 0, leafScale: nil, averaged: false)
        #expect(complete.depth == 6)
        // The same tree under a deep chain forces the linked layout; the chain's other side is a leaf.
        var deep = model.trees[0]
        let offset = 9
        func shift(_ c: [Int]) -> [Int] { c.map { $0 == -1 ? -1 : $0 + offset } }
        deep = DecisionTree(
            childrenLeft: (0..<offset).map { $0 + 1 < offset ? $0 + 1 : offset } + shift(deep.childrenLeft),
            childrenRight: Array(repeating: -1, count: offset) + shift(deep.childrenRight),
            feature: Array(repeating: 0, count: offset) + deep.feature,
            threshold: Array(repeating: 1e30, count: offset) + deep.threshold,
            value: Array(repeating: 0, count: offset) + deep.value)
        _ = deep
        let linked = try TreeModel(modelFile: try Fixtures.bytes("forest_boston.json"))
        #expect(linked.trees.contains { $0.depth > CompiledForest.maxCompleteDepth })
        #expect(model.predict(rows.features, rowCount: rows.count) == rows.tree)
        _ = complete
    }
}

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
        let expected: [Double] = [5.5, 6, 6.5, 5.5]  // (tree + lone leaf 10) / 2
        #expect(model.predict(rows, rowCount: 4) == expected)
    }

    /// Linked, complete and shallow layouts give identical predictions, equal to scikit-learn's, on the same trees.
    @Test(arguments: ["tree_boston.json", "gbr_boston.json"])
    func allLayoutsAgree(file: String) throws {
        let model = try TreeModel(modelFile: try Fixtures.bytes(file))
        let rows = try Fixtures.checkRows()
        let scale: Double? = model.estimator == .gradientBoosting ? model.learningRate : nil
        let shallow = CompiledForest(trees: model.trees, featureCount: 13, base: model.initialValue,
                                     leafScale: scale, averaged: false)
        let complete = CompiledForest(trees: model.trees, featureCount: 13, base: model.initialValue,
                                      leafScale: scale, averaged: false, shallowLayout: false)
        let linked = CompiledForest(trees: model.trees, featureCount: 13, base: model.initialValue,
                                    leafScale: scale, averaged: false, completeDepthLimit: -1)
        #expect(complete.depth != nil && complete.shallow == nil && linked.depth == nil && linked.shallow == nil)
        // The GBR's trees are 4 deep, the decision tree is 6 deep.
        #expect((shallow.shallow != nil) == (file == "gbr_boston.json"))
        let expected = file == "gbr_boston.json" ? rows.gbr : rows.tree
        for layout in [shallow, complete, linked] {
            var out = [Double](repeating: .nan, count: rows.count)
            rows.features.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { layout.predict(input.baseAddress!, rowCount: rows.count, into: $0.baseAddress!) }
            }
            #expect(out == expected)
        }
    }
}

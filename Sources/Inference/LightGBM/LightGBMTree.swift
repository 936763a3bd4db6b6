/// One `Tree=i` block of a LightGBM text model as a `DecisionTree` deciding as LightGBM's
/// `Tree::Decision` does (src/io/tree.cpp, include/LightGBM/tree.h).
///
/// LightGBM numbers internal nodes 0..<L−1 and leaves 0..<L; a child < 0 is leaf ~child. Here the
/// leaves follow the internal nodes: leaf j is node L − 1 + j (a one-leaf tree is node 0).
/// `decision_type`: bit 0 categorical, bit 1 default left, bits 2–3 the missing type (0 None,
/// 1 Zero, 2 NaN).
enum LightGBMTree {
    static func read(_ fields: [Substring: Substring], index: Int, featureCount: Int) throws(ModelFileError) -> DecisionTree {
        let path = "Tree=\(index)"
        let leafCount = try LightGBMReader.integer(fields, "num_leaves", path: "\(path).num_leaves")
        guard leafCount >= 1 else { throw .invalidValue(field: "\(path).num_leaves", reason: "must be at least 1") }
        if let linear = fields["is_linear"], linear != "0" {
            throw .invalidValue(field: "\(path).is_linear", reason: "is \(linear); linear trees (linear_tree=true) are not supported")
        }
        let leafValues = try numbers(fields, "leaf_value", path: path, count: leafCount)
        if leafCount == 1 {
            return DecisionTree(childrenLeft: [-1], childrenRight: [-1], feature: [0], threshold: [0], value: leafValues)
        }
        let splits = leafCount - 1
        let feature = try integers(fields, "split_feature", path: path, count: splits)
        let thresholds = try numbers(fields, "threshold", path: path, count: splits, allowInfinity: true)
        let decision = try integers(fields, "decision_type", path: path, count: splits)
        let left = try integers(fields, "left_child", path: path, count: splits)
        let right = try integers(fields, "right_child", path: path, count: splits)

        for child in left + right where child < -leafCount || child >= splits {
            throw .invalidValue(field: "\(path).left_child/right_child", reason: "holds \(child), neither a split below \(splits) nor a leaf above \(-leafCount - 1)")
        }
        let nodeCount = 2 * leafCount - 1
        func node(_ child: Int) -> Int { child < 0 ? splits + ~child : child }
        var tree = DecisionTree(
            childrenLeft: left.map(node) + [Int](repeating: -1, count: leafCount),
            childrenRight: right.map(node) + [Int](repeating: -1, count: leafCount),
            feature: feature + [Int](repeating: 0, count: leafCount),
            threshold: [Double](repeating: 0, count: nodeCount),
            value: [Double](repeating: 0, count: splits) + leafValues)
        var zeroIsMissing = [Bool](repeating: false, count: nodeCount)
        var categorySplits = [CategorySplit?](repeating: nil, count: nodeCount)
        let bitsets = try CategoryBitsets(fields, path: path, hasCategorical: decision.contains { $0 & 1 != 0 })
        for n in 0..<splits {
            let type = decision[n]
            guard (0..<16).contains(type), (type >> 2) & 3 != 3 else {
                throw .invalidValue(field: "\(path).decision_type[\(n)]", reason: "is \(type), not a LightGBM decision type")
            }
            if type & 1 != 0 {
                // LightGBM: in the set → left; not in it, negative, or NaN → right.
                categorySplits[n] = try bitsets.split(thresholds[n], node: n)
                tree.missingGoesLeft[n] = false
                continue
            }
            let missingType = (type >> 2) & 3, defaultLeft = type & 2 != 0
            // A NaN where missing values are not NaN becomes 0.0, then is compared.
            tree.missingGoesLeft[n] = missingType == 0 ? 0.0 <= thresholds[n] : defaultLeft
            zeroIsMissing[n] = missingType == 1
            tree.threshold[n] = Self.zeroSnapped(thresholds[n])
        }
        if zeroIsMissing.contains(true) { tree.zeroIsMissing = zeroIsMissing }
        if categorySplits.contains(where: { $0 != nil }) { tree.categorySplits = categorySplits }
        try ModelFileReader.checkStructure(tree, index: index, featureCount: featureCount)
        return tree
    }

    /// LightGBM reads every |x| ≤ zeroMargin as 0.0 before deciding. `0 <= t` and `x <= t` only differ
    /// for a threshold within that margin, so such a threshold moves to the margin's edge: x then goes
    /// left exactly when its zero-snapped value would.
    static func zeroSnapped(_ t: Double) -> Double {
        let margin = CategorySplit.zeroMargin
        if t >= -margin && t < 0 { return (-margin).nextDown }
        if t >= 0 && t < margin { return margin }
        return t
    }

    static func integers(_ fields: [Substring: Substring], _ key: Substring, path: String, count: Int) throws(ModelFileError) -> [Int] {
        guard let line = fields[key] else { throw .missingField("\(path).\(key)") }
        var result = [Int]()
        for part in line.split(separator: " ") {
            guard let number = Int(part) else { throw .wrongType(field: "\(path).\(key)", expected: "integers separated by spaces") }
            result.append(number)
            guard result.count <= count else { break }
        }
        guard result.count == count else { throw .invalidValue(field: "\(path).\(key)", reason: "has \(result.count > count ? "more than \(count)" : "\(result.count)") values; expected \(count)") }
        return result
    }

    /// `allowInfinity`: LightGBM writes `inf` for a split that sends every value left; it becomes the
    /// largest finite double, which decides every finite input the same way (as evserve.trees files do).
    static func numbers(_ fields: [Substring: Substring], _ key: Substring, path: String, count: Int,
                        allowInfinity: Bool = false) throws(ModelFileError) -> [Double] {
        guard let line = fields[key] else { throw .missingField("\(path).\(key)") }
        var result = [Double]()
        for part in line.split(separator: " ") {
            guard let number = Double(part) else { throw .wrongType(field: "\(path).\(key)", expected: "numbers separated by spaces") }
            if number.isInfinite && allowInfinity {
                result.append(number > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude)
                continue
            }
            guard number.isFinite else { throw .notFinite(field: "\(path).\(key)[\(result.count)]") }
            result.append(number)
            guard result.count <= count else { break }
        }
        guard result.count == count else { throw .invalidValue(field: "\(path).\(key)", reason: "has \(result.count > count ? "more than \(count)" : "\(result.count)") values; expected \(count)") }
        return result
    }
}

/// A tree's `cat_boundaries` and `cat_threshold`: categorical split c's bitset is the words
/// `cat_threshold[cat_boundaries[c] ..< cat_boundaries[c + 1]]`, c being the split's threshold.
struct CategoryBitsets {
    var boundaries: [Int] = []
    var words: [UInt32] = []
    let path: String

    init(_ fields: [Substring: Substring], path: String, hasCategorical: Bool) throws(ModelFileError) {
        self.path = path
        guard hasCategorical else { return }
        let count = try LightGBMReader.integer(fields, "num_cat", path: "\(path).num_cat")
        // Each boundary is at least two characters of the line, so the line bounds the count.
        guard count >= 1, count < (fields["cat_boundaries"]?.count ?? 0) else {
            throw .invalidValue(field: "\(path).num_cat", reason: "is \(count); categorical splits need 1 to the boundaries given")
        }
        boundaries = try LightGBMTree.integers(fields, "cat_boundaries", path: path, count: count + 1)
        guard let line = fields["cat_threshold"] else { throw .missingField("\(path).cat_threshold") }
        for part in line.split(separator: " ") {
            guard let word = UInt32(part) else { throw .wrongType(field: "\(path).cat_threshold", expected: "unsigned 32-bit integers") }
            words.append(word)
        }
        guard boundaries.first == 0, boundaries.last == words.count, zip(boundaries, boundaries.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw .invalidValue(field: "\(path).cat_boundaries", reason: "must rise from 0 to the cat_threshold word count")
        }
    }

    func split(_ threshold: Double, node: Int) throws(ModelFileError) -> CategorySplit {
        guard threshold >= 0, threshold < Double(boundaries.count - 1), threshold == threshold.rounded(.towardZero) else {
            throw .invalidValue(field: "\(path).threshold[\(node)]", reason: "is \(threshold), not a categorical split index below num_cat")
        }
        let c = Int(threshold)
        return CategorySplit(words: Array(words[boundaries[c]..<boundaries[c + 1]]), inSetGoesLeft: true, indexing: .truncatedInt32)
    }
}

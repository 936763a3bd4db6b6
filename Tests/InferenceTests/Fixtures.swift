import Foundation

/// Reads the files in Fixtures/ (written by tools/generate_fixtures.py with scikit-learn 1.1.3).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func lines(_ url: URL) throws -> [Substring] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
    }

    static func doubles(_ text: some StringProtocol) -> [Double] {
        text.split(separator: ",").map { Double(String($0))! }
    }

    /// The reference GBR's scikit-learn predictions on the 506 training rows, in training order.
    static func referenceTrainingPredictions() throws -> [Double] {
        try lines(directory.appendingPathComponent("reference_training_predictions.txt")).map { Double(String($0))! }
    }

    /// check_rows.csv: 13 feature values, then the gbr, forest and tree predictions of scikit-learn.
    struct CheckRows {
        var features: [Double] = []
        var gbr: [Double] = []
        var forest: [Double] = []
        var tree: [Double] = []
        var count: Int { gbr.count }
        /// The first 506 rows are the Boston training rows in training order.
        static let trainingRowCount = 506
    }

    static func checkRows() throws -> CheckRows {
        var rows = CheckRows()
        for line in try lines(directory.appendingPathComponent("check_rows.csv")).dropFirst() {
            let values = doubles(line)
            rows.features += values[0..<13]
            rows.gbr.append(values[13])
            rows.forest.append(values[14])
            rows.tree.append(values[15])
        }
        return rows
    }
}

import Foundation
import Testing
@testable import Inference

@Suite struct BostonHousingTests {
    /// The compiled-in data holds exactly the Doubles of the committed CSV, row by row.
    @Test func embeddedDataEqualsTheCSV() throws {
        let csv = Fixtures.repositoryRoot.appendingPathComponent("Sources/Inference/Data/boston_house_prices.csv")
        let lines = try Fixtures.lines(csv)
        #expect(lines[0].hasPrefix("506,13"))
        #expect(lines[1].hasPrefix("\"CRIM\""))
        let rows = lines.dropFirst(2).map(Fixtures.doubles)
        #expect(rows.count == BostonHousing.rowCount)
        for (i, row) in rows.enumerated() {
            #expect(Array(row[0..<13]) == Array(BostonHousing.csvFeatures[(i * 13)..<(i * 13 + 13)]))
            #expect(row[13] == BostonHousing.csvTarget[i])
        }
    }

    /// The training order is a permutation of all 506 rows.
    @Test func trainingOrderIsAPermutation() {
        #expect(BostonHousing.trainingOrder.sorted() == Array(0..<BostonHousing.rowCount))
    }

    /// Training rows come in the order of scikit-learn's shuffle(random_state=13), as the fixture lists them.
    @Test func trainingRowsFollowScikitLearnsShuffle() throws {
        let fixture = try Fixtures.checkRows()
        let count = Fixtures.CheckRows.trainingRowCount * BostonHousing.featureCount
        #expect(BostonHousing.trainingFeatures() == Array(fixture.features[0..<count]))
    }

    /// Feature names are the CSV header's, in column order.
    @Test func featureNames() {
        #expect(BostonHousing.featureNames == ["CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD",
                                               "TAX", "PTRATIO", "B", "LSTAT"])
    }
}

import Testing
@testable import Evserve

/// The 200 body of POST /predict.
@Suite struct PredictResponseTests {
    /// `{"y":[...]}` with each value as Python's json.dumps writes a float, no spaces.
    @Test func writesPythonFloatsInOrder() {
        #expect(String(decoding: PredictResponse.encode([45.140628195389766, 45.0, 1e-05, -0.0]), as: UTF8.self)
            == #"{"y":[45.140628195389766,45.0,1e-05,-0.0]}"#)
        #expect(String(decoding: PredictResponse.encode([]), as: UTF8.self) == #"{"y":[]}"#)
    }
}

import Testing
@testable import Validation

/// The v2 fast reader changes nothing a client can see: for every body, the full reader's answer
/// (fast path first) is the general path's alone — the same id, outputs and matrix bits, or the same
/// error — and the usual shapes really are read by the fast path.
@Suite struct V2FastRequestReaderTests {
    static let signature = V2ModelSignature(featureCount: 2, outputNames: ["predict", "predict_proba"], acceptsMissing: false)
    static let readers = [
        V2RequestReader(signature: signature),
        V2RequestReader(signature: V2ModelSignature(featureCount: 2, outputNames: ["predict"], acceptsMissing: true)),
    ]

    static func input(_ datatype: String = "FP64", shape: String = "[2, 2]", data: String = "[1, 2, 3, 4]") -> String {
        #"{"name": "input-0", "shape": \#(shape), "datatype": "\#(datatype)", "data": \#(data)}"#
    }

    static func body(_ input: String = input(), more: String = "") -> String {
        #"{\#(more)"inputs": [\#(input)]}"#
    }

    /// Same answer, bit for bit (`==` on Double would let -0 pass for 0).
    static func same(_ a: Result<V2InferenceRequest, V2Error>, _ b: Result<V2InferenceRequest, V2Error>) -> Bool {
        switch (a, b) {
        case (.success(let x), .success(let y)):
            x.id == y.id && x.outputs == y.outputs && x.matrix.rowCount == y.matrix.rowCount
                && x.matrix.featureCount == y.matrix.featureCount
                && x.matrix.values.map(\.bitPattern) == y.matrix.values.map(\.bitPattern)
        case (.failure(let x), .failure(let y)): x == y
        default: false
        }
    }

    static func checkAgrees(_ body: [UInt8], _ comment: String) {
        for reader in readers {
            let full = reader.read(body, inferenceHeaderContentLength: nil)
            let general = reader.readGeneral(body, inferenceHeaderContentLength: nil)
            #expect(same(full, general), "\(comment): fast \(full) general \(general)")
            if let fast = reader.readFast(body) {
                #expect(same(.success(fast), general), "\(comment)")
            }
        }
    }

    /// Bodies of every shape the fast path reads.
    static let fastBodies: [String] = [
        body(),
        body(more: #""id": "42", "#),
        body(more: #""id": "a request id longer than fifteen bytes", "#),
        body(more: #""id": "", "#),
        #"{"inputs": [{"data": [0.1, -2.5e3, 3, 4], "datatype": "FP32", "shape": [2, 2], "name": "input-0"}], "id": "x"}"#,
        #"{"inputs":[{"datatype":"FP64","data":[1,2],"name":"input-0","shape":[1,2]}]}"#,
        "\n {\t\"inputs\" : [ { \"name\" : \"input-0\" , \"shape\" : [ 1 , 2 ] , \"datatype\" : \"FP64\" , \"data\" : [ 1 , 2 ] } ] } \r\n",
        body(more: #""outputs": [{"name": "predict_proba"}], "#),
        body(more: #""outputs": [{"name": "predict_proba"}, {"name": "predict"}], "#),
        body(more: #""outputs": null, "#),
        body(more: #""outputs": [], "#),
        #"{"inputs": [\#(input())], "outputs": [ { "name" : "predict" } ], "id": "z"}"#,
        body(input("INT32", data: "[1, -2, 2147483647, -2147483648]")),
        body(input("UINT8", data: "[0, 255, -0, 7]")),
        body(input("INT8", data: "[-128, 127, 0, -0]")),
        body(input("INT64", data: "[123456789012345678, -123456789012345678, 0, 1]")),
        body(input("UINT64", data: "[123456789012345678, 0, 1, 2]")),
        body(input("UINT16", data: "[65535, 0, 1, 2]")),
        body(input("INT16", data: "[-32768, 32767, 1, 2]")),
        body(input("UINT32", data: "[4294967295, 0, 1, 2]")),
        body(input(data: "[1, -0, 0, 123456789012345678]")),
        body(input(data: "[1e308, -1.7976931348623157e308, 0.30000000000000004, 2.2250738585072014e-308]")),
        body(input(data: "[5e-324, 4.9e-324, 1E+2, -0.0]")),
        body(input(data: "[1e-400, 12345678901234567890, 0.1, 9007199254740993]")),
        body(input("FP32", data: "[0.1, 3.4028235e38, -0.0, 1e-46]")),
        body(input("FP32", data: "[16777217, 0.30000000000000004, 1, 2]")),
        body(input(shape: "[0, 2]", data: "[]")),
        body(input(shape: "[1, 2]", data: "[ 7 , 8 ]")),
    ]

    /// The usual shapes are read by the fast path (for the model with both outputs), and the answer
    /// is the general path's.
    @Test(arguments: fastBodies) func fastBodyIsReadFastAndAgrees(_ text: String) {
        let body = Array(text.utf8)
        #expect(Self.readers[0].readFast(body) != nil, "\(text)")
        Self.checkAgrees(body, text)
    }

    /// Near misses: bodies one step from a fast one, valid or not. Whatever the fast path does with
    /// them, the answer is the general path's, error messages included.
    static let nearMisses: [String] = [
        // Shape against data.
        body(input(shape: "[2, 2]", data: "[1, 2, 3]")), body(input(shape: "[1, 2]", data: "[1, 2, 3]")),
        body(input(shape: "[4]")), body(input(shape: "[2, 3]")), body(input(shape: "[2, 2, 1]")),
        body(input(shape: "[-1, 2]")), body(input(shape: "[-0, 2]", data: "[]")), body(input(shape: "[2.0, 2]")),
        body(input(shape: "[01, 2]")), body(input(shape: #"["2", 2]"#)), body(input(shape: "[2, 2,]")),
        body(input(shape: "[]")), body(input(shape: "null")), body(input(shape: "[1e0, 2]")),
        body(input(shape: "[4611686018427387904, 2]")), body(input(shape: "[100000000000000000, 2]")),
        body(input(shape: "[0, 2]", data: "[1, 2]")),
        // Datatypes.
        body(input("FP16")), body(input("BYTES")), body(input("BOOL")), body(input("fp64")), body(input("FP99")),
        body(input("")), #"{"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": 64, "data": [1, 2, 3, 4]}]}"#,
        // Keys: extra, missing, repeated.
        body(more: #""parameters": {}, "#), body(more: #""parameters": {"binary_data_output": true}, "#),
        body(more: #""parameters": null, "#), body(more: #""foo": 1, "#), body(more: #""id": "a", "id": "b", "#),
        body(more: #""inputs": [], "#), body(more: #""outputs": null, "outputs": [{"name": "predict"}], "#),
        #"{"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3, 4], "parameters": {}}]}"#,
        #"{"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3, 4], "foo": 1}]}"#,
        #"{"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP64", "data": [9, 9], "data": [1, 2, 3, 4]}]}"#,
        #"{"inputs": [{"name": "input-0", "shape": [1, 2], "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3, 4]}]}"#,
        #"{"inputs": [{"name": "x", "name": "input-0", "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3, 4]}]}"#,
        #"{"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "INT8", "datatype": "FP64", "data": [1.5, 2, 3, 4]}]}"#,
        #"{"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP64"}]}"#,
        #"{"inputs": [{"shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3, 4]}]}"#,
        #"{"inputs": [{"name": "input-0", "datatype": "FP64", "data": [1, 2, 3, 4]}]}"#,
        #"{"inputs": [{"name": "input-0", "shape": [2, 2], "data": [1, 2, 3, 4]}]}"#,
        #"{"inputs": [\#(input()), \#(input())]}"#, #"{"inputs": \#(input())}"#, #"{"inputs": [\#(input()),]}"#,
        #"{"inputs": [\#(input())], "inputs": [\#(input(shape: "[1, 2]", data: "[5, 6]"))]}"#,
        // Data.
        body(input(data: "[[1, 2], [3, 4]]")), body(input(data: "[[1, 2, 3, 4]]")), body(input(data: "[1, 2, [3, 4]]")),
        body(input(data: "[1, null, 3, 4]")), body(input(data: "[1, NaN, 3, 4]")), body(input(data: "[1, Infinity, 3, 4]")),
        body(input(data: "[1, -Infinity, 3, 4]")), body(input(data: "[1e999, 2, 3, 4]")), body(input("FP32", data: "[1e39, 2, 3, 4]")),
        body(input(data: #"[1, "2", 3, 4]"#)), body(input(data: "[1, true, 3, 4]")), body(input(data: "[1, 2, 3, 4,]")),
        body(input(data: "[1., 2, 3, 4]")), body(input(data: "[.5, 2, 3, 4]")), body(input(data: "[01, 2, 3, 4]")),
        body(input(data: "[-, 2, 3, 4]")), body(input(data: "[+1, 2, 3, 4]")), body(input(data: "[1e, 2, 3, 4]")),
        body(input(data: "[1 2, 3, 4]")), body(input(data: "1")), body(input(data: "null")), body(input(data: "{}")),
        body(input(data: "[1, 2, 3, 4")), body(input(data: "[1, 2, 3, 4}")),
        body(input(data: "[" + String(repeating: "9", count: 4301) + ", 2, 3, 4]")),
        body(input(data: "[" + String(repeating: "9", count: 400) + ", 2, 3, 4]")),
        body(input("INT8", data: "[128, 2, 3, 4]")), body(input("UINT8", data: "[-1, 2, 3, 4]")),
        body(input("INT32", data: "[1.0, 2, 3, 4]")), body(input("INT32", data: "[1e2, 2, 3, 4]")),
        body(input("INT32", data: "[null, 2, 3, 4]")), body(input("INT32", data: "[NaN, 2, 3, 4]")),
        body(input("UINT64", data: "[18446744073709551615, 2, 3, 4]")), body(input("UINT64", data: "[18446744073709551616, 2, 3, 4]")),
        body(input("INT64", data: "[9223372036854775807, -9223372036854775808, 3, 4]")),
        body(input("INT64", data: "[9223372036854775808, 2, 3, 4]")),
        body(input("INT64", data: "[1234567890123456789, 2, 3, 4]")),
        // Strings: escapes, non-ASCII, control characters, other types.
        #"{"inputs": [{"name": "input\u002d0", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]}"#,
        #"{"inputs": [{"name": "input-0", "shape": [1, 2], "datatype": "F\u0050\u0036\u0034", "data": [1, 2]}]}"#,
        #"{"in\u0070uts": [{"name": "input-0", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]}"#,
        body(more: #""id": "a\"b", "#), body(more: #""id": "line\nbreak", "#), body(more: #""id": "é", "#),
        body(more: "\"id\": \"tab\there\", "), body(more: #""id": 5, "#), body(more: #""id": null, "#),
        body(more: #""id": "\ud800", "#), body(more: #""id": "unterminated, "#),
        #"{"inputs": [{"name": "input-1", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]}"#,
        #"{"inputs": [{"name": "input-00", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]}"#,
        // Outputs.
        body(more: #""outputs": [{"name": "nope"}], "#), body(more: #""outputs": [{"name": "predict"}, {"name": "predict"}], "#),
        body(more: #""outputs": [{"name": "predict", "parameters": {"binary_data": true}}], "#),
        body(more: #""outputs": [{"name": "predict", "parameters": {"binary_data": false}}], "#),
        body(more: #""outputs": "predict", "#), body(more: #""outputs": [{}], "#), body(more: #""outputs": [{"name": 1}], "#),
        body(more: #""outputs": [{"name": "predict"},], "#), body(more: #""outputs": nul, "#),
        // The document around it.
        "", " ", "{}", "[]", "null", "{", body() + " x", body() + ",", body() + "}", "{" + body(),
        "\u{FEFF}" + body(), "{'inputs': [\(input())]}",
    ]

    /// Every near miss gets the general path's answer.
    @Test(arguments: nearMisses) func nearMissAgrees(_ text: String) {
        Self.checkAgrees(Array(text.utf8), text)
    }

    /// The body as UTF-16, which the general path decodes: never the fast path's.
    @Test func utf16BodyAgrees() {
        let utf16 = Array(Self.body().utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        Self.checkAgrees(utf16, "UTF-16LE")
        for reader in Self.readers { #expect(reader.readFast(utf16) == nil) }
    }

    /// With `Inference-Header-Content-Length`, the general path reads the body, even one the fast path would take.
    @Test func headerTakesTheGeneralPath() {
        let json = Array(Self.body().utf8)
        for reader in Self.readers {
            #expect(Self.same(reader.read(json, inferenceHeaderContentLength: "5"),
                              reader.readGeneral(json, inferenceHeaderContentLength: "5")))
        }
    }

    /// Random request bodies (key order, whitespace, datatypes, numbers in many spellings, outputs),
    /// whole and damaged: the full reader answers as the general path does, every time.
    @Test func randomBodiesAgree() {
        var g = SeededGenerator(seed: 13)
        var fast = 0
        for _ in 0..<3000 {
            let body = Self.randomBody(using: &g)
            Self.checkAgrees(body, String(decoding: body, as: UTF8.self))
            if Self.readers[0].readFast(body) != nil { fast += 1 }
            let damaged = FastPathPropertyTests.damaged(body, using: &g)
            Self.checkAgrees(damaged, String(decoding: damaged, as: UTF8.self))
        }
        #expect(fast > 1000, "the fast path read only \(fast) of 3000 random bodies")
    }

    static func randomBody(using g: inout SeededGenerator) -> [UInt8] {
        func ws(_ g: inout SeededGenerator) -> String { FastPathPropertyTests.whitespace(using: &g) }
        let datatype = ["FP64", "FP64", "FP32", "INT32", "UINT8", "INT64"].randomElement(using: &g)!
        let rows = Int.random(in: 0...3, using: &g)
        let numbers = (0..<rows * 2).map { _ -> String in
            datatype.hasPrefix("FP") ? FastPathPropertyTests.number(using: &g)
                : String(Int.random(in: datatype == "UINT8" ? 0...300 : -1000...1000, using: &g))
        }
        let data = "[" + numbers.map { ws(&g) + $0 + ws(&g) }.joined(separator: ",") + "]"
        var members = [#""name"\#(ws(&g)):\#(ws(&g))"input-0""#, #""shape":\#(ws(&g))[\#(rows),\#(ws(&g))2]"#,
                       #""datatype":"\#(datatype)""#, #""data":\#(ws(&g))\#(data)"#]
        members.shuffle(using: &g)
        var top = [#""inputs":\#(ws(&g))[\#(ws(&g)){\#(members.joined(separator: ws(&g) + "," + ws(&g)))}\#(ws(&g))]"#]
        if Bool.random(using: &g) { top.append(#""id":"req-\#(Int.random(in: 0...1_000_000, using: &g))""#) }
        switch Int.random(in: 0..<4, using: &g) {
        case 0: top.append(#""outputs":[{"name":"predict"}]"#)
        case 1: top.append(#""outputs":null"#)
        default: break
        }
        top.shuffle(using: &g)
        return Array((ws(&g) + "{" + top.joined(separator: ws(&g) + ",") + "}" + ws(&g)).utf8)
    }
}

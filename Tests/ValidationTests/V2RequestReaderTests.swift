import JSON
import Testing
@testable import Validation

/// The v2 (Open Inference Protocol) inference request reader: JSON and binary tensors, every
/// numeric datatype, the outputs asked for, and a 400 that says what is wrong for everything else.
@Suite struct V2RequestReaderTests {
    static let signature = V2ModelSignature(featureCount: 3, outputNames: ["predict"], acceptsMissing: false)
    static let reader = V2RequestReader(signature: signature)

    static func read(_ json: String, binary: [UInt8] = [], header: String? = nil) -> Result<V2InferenceRequest, V2Error> {
        reader.read(Array(json.utf8) + binary, inferenceHeaderContentLength: header)
    }

    /// A JSON part followed by binary data, with the header a client such as tritonclient sends.
    static func readBinary(_ json: String, _ binary: [UInt8]) -> Result<V2InferenceRequest, V2Error> {
        read(json, binary: binary, header: String(json.utf8.count))
    }

    static func input(shape: String = "[2, 3]", datatype: String = "FP64", data: String? = "[1, 2, 3, 4, 5, 6]",
                      parameters: String? = nil, name: String = "input-0") -> String {
        var members = [#""name": "\#(name)""#, #""shape": \#(shape)"#, #""datatype": "\#(datatype)""#]
        if let data { members.append(#""data": \#(data)"#) }
        if let parameters { members.append(#""parameters": \#(parameters)"#) }
        return "{" + members.joined(separator: ", ") + "}"
    }

    static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    static func message(_ result: Result<V2InferenceRequest, V2Error>) -> String? {
        guard case .failure(let error) = result else { return nil }
        return error.message
    }

    /// A JSON FP64 tensor, flat row-major: the matrix holds exactly the numbers sent; `id` is kept;
    /// with no outputs named, every output of the model comes back as JSON.
    @Test func jsonTensor() throws {
        let request = try Self.read(#"{"id": "42", "inputs": [\#(Self.input(data: "[0.1, 2, -3.5e-3, 4, 5, 6]"))]}"#).get()
        #expect(request.id == "42")
        #expect(request.matrix == FeatureMatrix(values: [0.1, 2, -3.5e-3, 4, 5, 6], rowCount: 2, featureCount: 3))
        #expect(request.outputs == [.init(name: "predict", binary: false)])
    }

    /// Nested data that follows the shape reads as the same rows as flat data.
    @Test func nestedDataEqualsFlat() throws {
        let nested = try Self.read(#"{"inputs": [\#(Self.input(data: "[[1, 2, 3], [4, 5, 6]]"))]}"#).get()
        let flat = try Self.read(#"{"inputs": [\#(Self.input())]}"#).get()
        #expect(nested.matrix == flat.matrix)
    }

    /// FP32 JSON data is the FP32 number: 0.1 reads as Float(0.1), not as the double 0.1.
    @Test func fp32JSONIsRoundedToFloat() throws {
        let request = try Self.read(#"{"inputs": [\#(Self.input(datatype: "FP32", data: "[0.1, 1e-7, 3, 4, 5, 6]"))]}"#).get()
        #expect(request.matrix.values[0] == Double(Float(0.1)))
        #expect(request.matrix.values[0] != 0.1)
        #expect(request.matrix.values[1] == Double(Float(1e-7)))
    }

    /// Binary FP64 and FP32 tensors (little-endian, row-major) give the bits sent.
    @Test func binaryFloatTensors() throws {
        let doubles: [Double] = [0.1, -2.5, 1e300, 4, 5, .pi]
        let fp64 = try Self.readBinary(#"{"inputs": [\#(Self.input(data: nil, parameters: #"{"binary_data_size": 48}"#))]}"#,
                                       Self.littleEndian(doubles.map(\.bitPattern))).get()
        #expect(fp64.matrix.values.map(\.bitPattern) == doubles.map(\.bitPattern))

        let floats: [Float] = [0.1, -2.5, 3e38, 4, 5, .pi]
        let fp32 = try Self.readBinary(#"{"inputs": [\#(Self.input(datatype: "FP32", data: nil, parameters: #"{"binary_data_size": 24}"#))]}"#,
                                       Self.littleEndian(floats.map(\.bitPattern))).get()
        #expect(fp32.matrix.values == floats.map(Double.init))
    }

    /// Integer datatypes, JSON and binary, signed and unsigned, at the ends of their ranges.
    @Test func integerTensors() throws {
        let json = try Self.read(#"{"inputs": [\#(Self.input(shape: "[1, 3]", datatype: "INT8", data: "[-128, 0, 127]"))]}"#).get()
        #expect(json.matrix.values == [-128, 0, 127])
        let uint64 = try Self.read(#"{"inputs": [\#(Self.input(shape: "[1, 3]", datatype: "UINT64", data: "[18446744073709551615, 0, 1]"))]}"#).get()
        #expect(uint64.matrix.values == [Double(UInt64.max), 0, 1])

        let int32 = try Self.readBinary(#"{"inputs": [\#(Self.input(shape: "[1, 3]", datatype: "INT32", data: nil, parameters: #"{"binary_data_size": 12}"#))]}"#,
                                        Self.littleEndian([Int32.min, -1, Int32.max])).get()
        #expect(int32.matrix.values == [Double(Int32.min), -1, Double(Int32.max)])
        let uint16 = try Self.readBinary(#"{"inputs": [\#(Self.input(shape: "[1, 3]", datatype: "UINT16", data: nil, parameters: #"{"binary_data_size": 6}"#))]}"#,
                                         Self.littleEndian([UInt16.max, 1, 256])).get()
        #expect(uint16.matrix.values == [65535, 1, 256])
        let uint8 = try Self.readBinary(#"{"inputs": [\#(Self.input(shape: "[1, 3]", datatype: "UINT8", data: nil, parameters: #"{"binary_data_size": 3}"#))]}"#,
                                        [255, 0, 7]).get()
        #expect(uint8.matrix.values == [255, 0, 7])
    }

    /// `binary_data_output` asks for binary outputs; an output's own `binary_data` overrides it; named
    /// outputs come back in the order asked.
    @Test func binaryOutputChoice() throws {
        let all = try Self.read(#"{"parameters": {"binary_data_output": true}, "inputs": [\#(Self.input())]}"#).get()
        #expect(all.outputs == [.init(name: "predict", binary: true)])
        let overridden = try Self.read(#"{"parameters": {"binary_data_output": true}, "inputs": [\#(Self.input())], "outputs": [{"name": "predict", "parameters": {"binary_data": false}}]}"#).get()
        #expect(overridden.outputs == [.init(name: "predict", binary: false)])
        let named = try Self.read(#"{"inputs": [\#(Self.input())], "outputs": [{"name": "predict", "parameters": {"binary_data": true}}]}"#).get()
        #expect(named.outputs == [.init(name: "predict", binary: true)])
    }

    /// Zero rows are a valid batch: an empty matrix.
    @Test func emptyBatch() throws {
        let request = try Self.read(#"{"inputs": [\#(Self.input(shape: "[0, 3]", data: "[]"))]}"#).get()
        #expect(request.matrix.rowCount == 0)
    }

    /// Missing values (JSON null, NaN) are refused by a model that does not take them, and become
    /// NaN for one that does; an infinity is refused either way.
    @Test func missingValues() throws {
        let body = #"{"inputs": [\#(Self.input(data: "[1, null, 3, NaN, 5, 6]"))]}"#
        #expect(Self.message(Self.read(body)) == "input 'input-0': row 0, column 1 is missing (null or NaN), and this model does not accept missing values")
        let lenient = V2RequestReader(signature: V2ModelSignature(featureCount: 3, outputNames: ["predict"], acceptsMissing: true))
        let values = try lenient.read(Array(body.utf8), inferenceHeaderContentLength: nil).get().matrix.values
        #expect(values.map(\.isNaN) == [false, true, false, true, false, false])
        let infinite = #"{"inputs": [\#(Self.input(data: "[1, null, 3, 4, Infinity, 6]"))]}"#
        #expect(Self.message(lenient.read(Array(infinite.utf8), inferenceHeaderContentLength: nil)) == "input 'input-0': row 1, column 1 is infinite; features must be finite numbers")
        let nan = Self.littleEndian([Double.nan, 2, 3, 4, 5, 6].map(\.bitPattern))
        #expect(Self.message(Self.readBinary(#"{"inputs": [\#(Self.input(data: nil, parameters: #"{"binary_data_size": 48}"#))]}"#, nan))?
            .hasPrefix("input 'input-0': row 0, column 0 is missing") == true)
    }

    /// Every refused request is a 400 whose message names the problem.
    @Test(arguments: [
        ("[1]", "the inference request must be a JSON object"),
        ("{", "the inference request is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        (#"{"inputs": []}"#, "the model takes 1 input, 'input-0'; the request has 0"),
        (#"{"id": 42, "inputs": []}"#, "'id' must be a string"),
        (#"{"inputs": {}}"#, "the inference request needs 'inputs', an array with the one input 'input-0'"),
        (#"{"inputs": [\#(input()), \#(input())]}"#, "the model takes 1 input, 'input-0'; the request has 2"),
        (#"{"inputs": [\#(input(name: "x"))]}"#, "unknown input 'x': the model's input is 'input-0'"),
        (#"{"inputs": [\#(input(data: "[1, 2, 3, 4, 5]"))]}"#, "input 'input-0': shape [2, 3] holds 6 elements, but 'data' has 5"),
        (#"{"inputs": [\#(input(shape: "[3]", data: "[1, 2, 3]"))]}"#, "input 'input-0': shape [3] does not fit the model's [-1, 3] (rows of 3 features); send one row as [1, 3]"),
        (#"{"inputs": [\#(input(shape: "[2, 4]"))]}"#, "input 'input-0': shape [2, 4] does not fit the model's [-1, 3] (rows of 3 features)"),
        (#"{"inputs": [\#(input(shape: "[-2, 3]"))]}"#, "input 'input-0' needs 'shape', an array of non-negative integers: [rows, 3]"),
        (#"{"inputs": [\#(input(datatype: "FP8"))]}"#, "input 'input-0': datatype 'FP8' is not a tensor datatype; send one of FP64, FP32, INT64, INT32, INT16, INT8, UINT64, UINT32, UINT16, UINT8"),
        (#"{"inputs": [\#(input(datatype: "BOOL", data: "[true, false, true, true, false, true]"))]}"#, "input 'input-0': datatype 'BOOL' is not accepted: the model's features are numbers; send one of FP64, FP32, INT64, INT32, INT16, INT8, UINT64, UINT32, UINT16, UINT8"),
        (#"{"inputs": [\#(input(data: "[[1, 2, 3], [4, 5]]"))]}"#, "input 'input-0': nested 'data' must follow the shape [2, 3], but an array at depth 1 has 2 elements instead of 3"),
        (#"{"inputs": [\#(input(data: "[[1, 2, 3], 4, 5, 6]"))]}"#, "input 'input-0': nested 'data' must follow the shape [2, 3], but an array at depth 0 has 4 elements instead of 2"),
        (#"{"inputs": [\#(input(data: "[1, 2, \"3\", 4, 5, 6]"))]}"#, "input 'input-0': row 0, column 2 is not a number"),
        (#"{"inputs": [\#(input(datatype: "UINT8", data: "[1, 2, 3, 4, 5, 256]"))]}"#, "input 'input-0': row 1, column 2 is out of range for UINT8"),
        (#"{"inputs": [\#(input(datatype: "INT32", data: "[1, 2, 3.5, 4, 5, 6]"))]}"#, "input 'input-0': row 0, column 2 is not an integer, as INT32 requires"),
        (#"{"inputs": [\#(input(data: nil))]}"#, "input 'input-0' has no 'data' (and no binary_data_size)"),
        (#"{"inputs": [\#(input(parameters: "{\"binary_data_size\": 48}"))]}"#, "input 'input-0' has both 'data' and binary_data_size; send its elements one way"),
        (#"{"inputs": [\#(input(data: nil, parameters: "{\"binary_data_size\": 48}"))]}"#, "input 'input-0' has binary_data_size, but the request has no Inference-Header-Content-Length header to say where its JSON ends"),
        (#"{"inputs": [\#(input())], "outputs": [{"name": "predict_proba"}]}"#, "unknown output 'predict_proba': the model's outputs are 'predict'"),
        (#"{"inputs": [\#(input())], "outputs": [{"name": "predict"}, {"name": "predict"}]}"#, "output 'predict' is requested twice"),
        (#"{"inputs": [\#(input())], "parameters": {"binary_data_output": 1}}"#, "parameter 'binary_data_output' of the request must be true or false"),
        (#"{"inputs": [\#(input())], "parameters": []}"#, "'parameters' of the request must be an object"),
    ])
    func refusals(body: String, message: String) {
        #expect(Self.message(Self.read(body)) == message)
    }

    /// Binary framing errors: the header, and binary sizes that do not add up.
    @Test func binaryFramingRefusals() {
        let json = #"{"inputs": [\#(Self.input(data: nil, parameters: #"{"binary_data_size": 48}"#))]}"#
        let data = [UInt8](repeating: 0, count: 48)
        #expect(Self.message(Self.read(json, binary: data, header: "x12")) == "Inference-Header-Content-Length must be a decimal number of bytes, not 'x12'")
        #expect(Self.message(Self.read(json, binary: data, header: "0"))?.hasPrefix("Inference-Header-Content-Length 0 (a raw binary request without JSON) is not supported") == true)
        #expect(Self.message(Self.read(json, binary: data, header: "100000")) == "Inference-Header-Content-Length is 100000 bytes, longer than the \(json.utf8.count + 48)-byte body")
        #expect(Self.message(Self.readBinary(json, Array(data.dropLast()))) == "input 'input-0' has binary_data_size 48, but only 47 bytes follow the JSON")
        #expect(Self.message(Self.readBinary(json, data + [0])) == "1 bytes of binary data follow the JSON that no input's binary_data_size claims")
        let fp32 = #"{"inputs": [\#(Self.input(datatype: "FP32", data: nil, parameters: #"{"binary_data_size": 48}"#))]}"#
        #expect(Self.message(Self.readBinary(fp32, data)) == "input 'input-0': binary_data_size is 48 bytes, but 6 FP32 elements (shape [2, 3]) take 24")
    }

    /// A nested `data` whose shape claims 10^12 rows is refused by its real length, not allocated for
    /// (V2RequestFuzz found the reader reserving room for every element the shape claimed; the input is
    /// fuzz/corpus/v2-request/json-huge-shape-nested).
    @Test func hugeShapeWithNestedDataIsRefusedNotAllocated() {
        let body = #"{"inputs": [\#(Self.input(shape: "[1000000000000, 3]", data: "[[1, 2, 3]]"))]}"#
        #expect(Self.message(Self.read(body)) == "input 'input-0': nested 'data' must follow the shape [1000000000000, 3], but an array at depth 0 has 1 elements instead of 1000000000000")
    }

    /// The error body is the protocol's `{"error": "..."}`, status 400 unless said otherwise.
    @Test func errorBody() throws {
        let error = V2Error("a \"quoted\" problem")
        #expect(error.status == 400)
        #expect(try JSONValue.parse(error.body) == ["error": "a \"quoted\" problem"])
    }
}

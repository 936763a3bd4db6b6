import JSON

/// Reads the one input of a v2 inference request into a `FeatureMatrix`: its name, datatype and
/// shape checked against the model, its elements from JSON `data` (flat row-major, or nested as the
/// shape says) or from binary tensor data (little-endian, row-major), converted exactly to Double.
struct V2InputTensor {
    let signature: V2ModelSignature

    func read(_ value: JSONValue, binary: inout V2BinarySection) throws(V2Error) -> FeatureMatrix {
        guard let input = value.objectValue else { throw V2Error("each of 'inputs' must be an object") }
        guard let name = input["name"]?.stringValue else { throw V2Error("each of 'inputs' needs a 'name' string") }
        guard name == signature.inputName else {
            throw V2Error("unknown input '\(name)': the model's input is '\(signature.inputName)'")
        }
        let datatype = try Self.datatype(input["datatype"], of: name)
        let rows = try rowCount(input["shape"], of: name)
        let (count, overflow) = rows.multipliedReportingOverflow(by: signature.featureCount)
        guard !overflow else { throw V2Error("input '\(name)': shape \(shapeText(rows)) is too large") }

        let values: [Double]
        if let size = try V2Parameters(input["parameters"], of: "input '\(name)'").nonNegativeInteger("binary_data_size") {
            guard input["data"] == nil else {
                throw V2Error("input '\(name)' has both 'data' and binary_data_size; send its elements one way")
            }
            let expected = count.multipliedReportingOverflow(by: datatype.elementSize!)
            guard !expected.overflow, size == expected.partialValue else {
                throw V2Error("input '\(name)': binary_data_size is \(size) bytes, but \(count) \(datatype.rawValue) elements (shape \(shapeText(rows))) take \(count &* datatype.elementSize!)")
            }
            let range = try binary.take(size, for: name)
            values = Self.decode(binary.body[range], datatype, count: count)
        } else {
            guard let data = input["data"] else { throw V2Error("input '\(name)' has no 'data' (and no binary_data_size)") }
            values = try elements(data, rows: rows, count: count, datatype: datatype, of: name)
        }
        try checkFinite(values, of: name)
        return FeatureMatrix(values: values, rowCount: rows, featureCount: signature.featureCount)
    }

    // MARK: - Datatype and shape

    /// The datatypes a feature tensor may have, as error messages list them (made once, not per request).
    private static let acceptedDatatypes = V2Datatype.featureTypes.map(\.rawValue).joined(separator: ", ")

    private static func datatype(_ value: JSONValue?, of name: String) throws(V2Error) -> V2Datatype {
        let accepted = acceptedDatatypes
        guard let text = value?.stringValue else {
            throw V2Error("input '\(name)' needs a 'datatype' string, one of \(accepted)")
        }
        guard let datatype = V2Datatype(rawValue: text), V2Datatype.featureTypes.contains(datatype) else {
            let why = V2Datatype(rawValue: text) == nil ? "is not a tensor datatype" : "is not accepted: the model's features are numbers"
            throw V2Error("input '\(name)': datatype '\(text)' \(why); send one of \(accepted)")
        }
        return datatype
    }

    /// The batch size: a shape must be `[rows, featureCount]`, as the model's metadata says (`[-1, n]`).
    private func rowCount(_ value: JSONValue?, of name: String) throws(V2Error) -> Int {
        let n = signature.featureCount
        guard let shape = value?.intArray, shape.allSatisfy({ $0 >= 0 }) else {
            throw V2Error("input '\(name)' needs 'shape', an array of non-negative integers: [rows, \(n)]")
        }
        guard shape.count == 2, shape[1] == n else {
            let hint = shape == [n] ? "; send one row as [1, \(n)]" : ""
            throw V2Error("input '\(name)': shape \(Self.text(shape)) does not fit the model's [-1, \(n)] (rows of \(n) features)\(hint)")
        }
        return shape[0]
    }

    private func shapeText(_ rows: Int) -> String { Self.text([rows, signature.featureCount]) }

    private static func text(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }

    /// "row 1, column 3" for flat index `k`.
    private func position(_ k: Int) -> String {
        "row \(k / signature.featureCount), column \(k % signature.featureCount)"
    }

    // MARK: - JSON data

    private func elements(_ data: JSONValue, rows: Int, count: Int, datatype: V2Datatype, of name: String) throws(V2Error) -> [Double] {
        guard let top = data.arrayValue else { throw V2Error("input '\(name)': 'data' must be an array") }
        var flat: [JSONValue]
        if top.contains(where: { $0.arrayValue != nil }) {
            flat = []
            // `count` is the client's shape, not yet checked against the data: reserve at most 64 Ki
            // elements on its word (a shape of 10^12 rows must be refused, not allocated for).
            flat.reserveCapacity(min(count, 1 << 16))
            try appendNested(top, depth: 0, shape: [rows, signature.featureCount], into: &flat, of: name)
        } else {
            guard top.count == count else {
                throw V2Error("input '\(name)': shape \(shapeText(rows)) holds \(count) elements, but 'data' has \(top.count)")
            }
            flat = top
        }
        var values: [Double] = []
        values.reserveCapacity(count)
        for (k, element) in flat.enumerated() {
            values.append(try number(element, datatype: datatype, at: k, of: name))
        }
        return values
    }

    /// Nested data must follow the shape exactly: `shape[d]` elements at depth `d`, numbers at the last.
    private func appendNested(_ elements: [JSONValue], depth: Int, shape: [Int], into flat: inout [JSONValue],
                              of name: String) throws(V2Error) {
        guard elements.count == shape[depth] else {
            throw V2Error("input '\(name)': nested 'data' must follow the shape \(Self.text(shape)), but an array at depth \(depth) has \(elements.count) elements instead of \(shape[depth])")
        }
        for element in elements {
            if depth == shape.count - 1 {
                guard element.arrayValue == nil else {
                    throw V2Error("input '\(name)': nested 'data' is deeper than the shape \(Self.text(shape))")
                }
                flat.append(element)
            } else {
                guard let inner = element.arrayValue else {
                    throw V2Error("input '\(name)': nested 'data' must follow the shape \(Self.text(shape)), but depth \(depth) holds a number where an array belongs")
                }
                try appendNested(inner, depth: depth + 1, shape: shape, into: &flat, of: name)
            }
        }
    }

    /// One JSON element as the datatype's value. `null` and NaN become NaN (a missing value, judged
    /// by `checkFinite`). FP32 data is rounded to FP32 (from the correctly rounded Double, as
    /// parsers that read JSON numbers as doubles do), so JSON and binary FP32 agree.
    private func number(_ element: JSONValue, datatype: V2Datatype, at k: Int, of name: String) throws(V2Error) -> Double {
        guard case .number(let number) = element else {
            if element.isNull { return .nan }
            throw V2Error("input '\(name)': \(position(k)) is not a number")
        }
        guard datatype.isInteger else {
            let value = number.doubleValue
            return datatype == .fp32 ? Double(Float(value)) : value
        }
        switch number {
        case .integer(let value) where datatype.integerRange.contains(value):
            return Double(value)
        case .bigInteger(let digits) where datatype == .uint64 && UInt64(digits) != nil:
            return Double(UInt64(digits)!)
        case .float(let value) where value.isNaN:
            return .nan
        case .float:
            throw V2Error("input '\(name)': \(position(k)) is not an integer, as \(datatype.rawValue) requires")
        default:
            throw V2Error("input '\(name)': \(position(k)) is out of range for \(datatype.rawValue)")
        }
    }

    // MARK: - Binary data

    /// Little-endian elements, row-major, unpadded (the binary tensor data extension).
    static func decode(_ bytes: ArraySlice<UInt8>, _ datatype: V2Datatype, count: Int) -> [Double] {
        bytes.withUnsafeBytes { raw in
            [Double](unsafeUninitializedCapacity: count) { out, initialized in
                // `raw` is valid only inside this closure; every load is unaligned-safe and in bounds
                // (`count * elementSize == raw.count`, checked by the caller).
                for k in 0..<count {
                    out[k] = switch datatype {
                    case .fp64: Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)))
                    case .fp32: Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self))))
                    case .int64: Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * k, as: Int64.self)))
                    case .int32: Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * k, as: Int32.self)))
                    case .int16: Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * k, as: Int16.self)))
                    case .int8: Double(Int8(bitPattern: raw[k]))
                    case .uint64: Double(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)))
                    case .uint32: Double(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
                    case .uint16: Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)))
                    case .uint8: Double(raw[k])
                    case .bool, .fp16, .bytes: .nan  // refused before decoding (`featureTypes`)
                    }
                }
                initialized = count
            }
        }
    }

    // MARK: - Missing and non-finite values

    /// NaN (binary NaN, JSON `null` or `NaN`) is a missing value, for models that handle them;
    /// an infinity is never a feature value.
    private func checkFinite(_ values: [Double], of name: String) throws(V2Error) {
        guard let k = values.firstIndex(where: { !$0.isFinite }) else { return }
        if !values[k].isNaN {
            throw V2Error("input '\(name)': \(position(k)) is infinite; features must be finite numbers")
        }
        if !signature.acceptsMissing {
            throw V2Error("input '\(name)': \(position(k)) is missing (null or NaN), and this model does not accept missing values")
        }
        if let j = values[k...].firstIndex(where: { $0.isInfinite }) {
            throw V2Error("input '\(name)': \(position(j)) is infinite; features must be finite numbers")
        }
    }
}

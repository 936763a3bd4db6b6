import JSON

/// The fast path for v2 inference requests: reads the shape clients usually send straight from the
/// bytes, with no intermediate JSON tree:
///
///     { "id": "...",                                   (optional)
///       "inputs": [ { "name": "<the model's input>", "shape": [rows, n],
///                     "datatype": "FP64", "data": [number, ...] } ],
///       "outputs": null | [ { "name": "<an output>" }, ... ] }   (optional)
///
/// in any key order, with JSON's whitespace; strings of printable ASCII without escapes; `data` flat,
/// of finite numbers; a datatype among the feature types. It answers nil for anything else — other
/// keys, repeated keys, `parameters`, nested data, `null` or NaN, escapes, an error of any kind — and
/// the caller then takes the general path, which accepts or refuses with its exact messages. So this
/// reader never has to be right about an error, only about the requests it accepts, which must equal
/// the general path's (the tests and V2RequestFuzz check it).
struct V2FastRequestReader: Sendable {
    let signature: V2ModelSignature
    /// What a request that names no outputs gets (every output, as JSON), built once: the array is
    /// shared, not copied, by each request.
    private let allOutputs: [V2InferenceRequest.Output]
    private let inputName: [UInt8]
    private let outputNames: [[UInt8]]

    init(signature: V2ModelSignature) {
        self.signature = signature
        self.allOutputs = signature.outputNames.map { .init(name: $0, binary: false) }
        self.inputName = Array(signature.inputName.utf8)
        self.outputNames = signature.outputNames.map { Array($0.utf8) }
    }

    /// The request, or nil when the body is not in the shape read here (the general path decides).
    /// Only for bodies that are all JSON (no `Inference-Header-Content-Length`).
    func read(_ body: [UInt8]) -> V2InferenceRequest? {
        // Every string accepted here is printable ASCII, and so is everything else accepted: the body
        // is then valid UTF-8 without a BOM, as the general path requires.
        body.withUnsafeBufferPointer { text -> V2InferenceRequest? in
            // `text` is borrowed from `body` for this call only; the cursor checks every read against its end.
            var cursor = V2JSONCursor(text: text)
            return request(&cursor)
        }
    }

    private func request(_ c: inout V2JSONCursor) -> V2InferenceRequest? {
        guard c.take(UInt8(ascii: "{")) else { return nil }
        var id: String?
        var seenID = false
        var matrix: FeatureMatrix?
        var outputs: [V2InferenceRequest.Output]?
        var seenOutputs = false
        repeat {
            guard let key = c.plainString(), c.take(UInt8(ascii: ":")) else { return nil }
            c.skipWhitespace()
            if c.bytes(key, equalKey: "id") {
                guard !seenID, let value = c.plainString() else { return nil }
                seenID = true
                id = c.string(value)
            } else if c.bytes(key, equalKey: "inputs") {
                guard matrix == nil, c.take(UInt8(ascii: "[")),
                      let tensor = input(&c), c.take(UInt8(ascii: "]")) else { return nil }
                matrix = tensor
            } else if c.bytes(key, equalKey: "outputs") {
                guard !seenOutputs else { return nil }
                seenOutputs = true
                if c.takeNull() { continue }  // `null` is no outputs named
                guard let requested = requestedOutputs(&c) else { return nil }
                outputs = requested
            } else {
                return nil
            }
        } while c.take(UInt8(ascii: ","))
        guard c.take(UInt8(ascii: "}")), c.atEndAfterWhitespace(), let matrix else { return nil }
        return V2InferenceRequest(id: id, matrix: matrix, outputs: outputs ?? allOutputs)
    }

    /// The one input object, at its `{`, as the general path's `V2InputTensor` would read it.
    private func input(_ c: inout V2JSONCursor) -> FeatureMatrix? {
        guard c.take(UInt8(ascii: "{")) else { return nil }
        var seenName = false
        var rows: Int?
        var datatype: V2Datatype?
        var dataStart: Int?
        var values: [Double]?
        repeat {
            guard let key = c.plainString(), c.take(UInt8(ascii: ":")) else { return nil }
            c.skipWhitespace()
            if c.bytes(key, equalKey: "name") {
                guard !seenName, let name = c.plainString(), c.bytes(name, equal: inputName) else { return nil }
                seenName = true
            } else if c.bytes(key, equalKey: "shape") {
                guard rows == nil, c.take(UInt8(ascii: "[")), let first = c.count(), c.take(UInt8(ascii: ",")),
                      let second = c.count(), c.take(UInt8(ascii: "]")), second == signature.featureCount else { return nil }
                rows = first
            } else if c.bytes(key, equalKey: "datatype") {
                guard datatype == nil, let text = c.plainString(),
                      let type = V2Datatype.featureTypes.first(where: { c.bytes(text, equal: $0.rawValue) }) else { return nil }
                datatype = type
            } else if c.bytes(key, equalKey: "data") {
                guard dataStart == nil else { return nil }
                dataStart = c.i
                // Before its datatype, the data is only stepped over here, and read once the datatype is known.
                if let datatype {
                    guard let read = Self.data(&c, datatype, capacity: capacity(rows: rows, c.text)) else { return nil }
                    values = read
                } else {
                    guard c.skipFlatArray() else { return nil }
                }
            } else {
                return nil
            }
        } while c.take(UInt8(ascii: ","))
        guard c.take(UInt8(ascii: "}")), seenName, let rows, let datatype, let dataStart else { return nil }
        if values == nil {
            var again = V2JSONCursor(text: c.text, at: dataStart)
            values = Self.data(&again, datatype, capacity: capacity(rows: rows, c.text))
        }
        let (count, overflow) = rows.multipliedReportingOverflow(by: signature.featureCount)
        guard let values, !overflow, values.count == count else { return nil }
        return FeatureMatrix(values: values, rowCount: rows, featureCount: signature.featureCount)
    }

    /// Room for a tensor's values, so that they are allocated once: rows × features when the shape is
    /// known (read before the data, as clients write it), but no more than the body could hold (a
    /// value and its comma take two bytes at least: a hostile shape reserves nothing the body did
    /// not pay for); else as many as the body's commas allow.
    private func capacity(rows: Int?, _ text: UnsafeBufferPointer<UInt8>) -> Int {
        guard let rows else { return FastBodyReader.expectedValueCount(text) }
        let (count, overflow) = rows.multipliedReportingOverflow(by: signature.featureCount)
        return overflow ? 0 : min(count, text.count / 2 + 1)
    }

    /// A flat `data` array, at its `[`: every element a finite number of the datatype, converted as
    /// `V2InputTensor.number` does (FP32 rounded to FP32 from the correctly rounded Double).
    private static func data(_ c: inout V2JSONCursor, _ datatype: V2Datatype, capacity: Int) -> [Double]? {
        guard c.take(UInt8(ascii: "[")) else { return nil }
        var values: [Double] = []
        values.reserveCapacity(capacity)
        if c.take(UInt8(ascii: "]")) { return values }
        // One loop a kind of datatype, so that the datatype is not asked again for every value.
        if datatype.isInteger {
            let range = datatype.integerRange
            repeat {
                c.skipWhitespace()
                // Integers up to 18 digits; longer ones (and UINT64 past Int64.max) are left to the general path.
                guard let integer = c.integer(), range.contains(integer) else { return nil }
                values.append(Double(integer))
            } while c.take(UInt8(ascii: ","))
        } else {
            let text = c.text
            let toFloat = datatype == .fp32
            repeat {
                c.skipWhitespace()
                // Read through a local index, set back once the value is taken: passing the cursor's
                // own (`&c.i`) cost ~300 instructions a 26-value request (callgrind).
                var i = c.i
                guard let number = FastBodyReader.number(text, at: &i) else { return nil }
                let value = toFloat ? Double(Float(number)) : number
                // NaN (a missing value) and infinities are the general path's to judge.
                guard value.isFinite else { return nil }
                values.append(value)
                c.i = i
            } while c.take(UInt8(ascii: ","))
        }
        guard c.take(UInt8(ascii: "]")) else { return nil }
        return values
    }

    /// `[ {"name": "..."}, ... ]`, at its `[`: each a known output, each once, as JSON.
    private func requestedOutputs(_ c: inout V2JSONCursor) -> [V2InferenceRequest.Output]? {
        guard c.take(UInt8(ascii: "[")) else { return nil }
        var outputs: [V2InferenceRequest.Output] = []
        if c.take(UInt8(ascii: "]")) { return outputs }
        repeat {
            guard c.take(UInt8(ascii: "{")), let key = c.plainString(), c.bytes(key, equalKey: "name"),
                  c.take(UInt8(ascii: ":")) else { return nil }
            c.skipWhitespace()
            guard let name = c.plainString(), c.take(UInt8(ascii: "}")),
                  let k = outputNames.firstIndex(where: { c.bytes(name, equal: $0) }),
                  !outputs.contains(where: { $0.name == signature.outputNames[k] }) else { return nil }
            outputs.append(.init(name: signature.outputNames[k], binary: false))
        } while c.take(UInt8(ascii: ","))
        guard c.take(UInt8(ascii: "]")) else { return nil }
        return outputs
    }
}

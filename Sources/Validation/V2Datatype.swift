/// A tensor element type of the Open Inference Protocol (its "Tensor Data Types" table), with the
/// size of one element in binary tensor data.
public enum V2Datatype: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case uint8 = "UINT8", uint16 = "UINT16", uint32 = "UINT32", uint64 = "UINT64"
    case int8 = "INT8", int16 = "INT16", int32 = "INT32", int64 = "INT64"
    case fp16 = "FP16", fp32 = "FP32", fp64 = "FP64"
    case bytes = "BYTES"

    /// Bytes per element in binary data (BOOL is one byte; BYTES elements have their own lengths).
    public var elementSize: Int? {
        switch self {
        case .bool, .uint8, .int8: 1
        case .uint16, .int16, .fp16: 2
        case .uint32, .int32, .fp32: 4
        case .uint64, .int64, .fp64: 8
        case .bytes: nil
        }
    }

    /// The types a feature tensor may have: numbers a tree ensemble compares with its thresholds.
    /// BOOL, FP16 and BYTES are refused: no served model has boolean, half-precision or text inputs.
    public static let featureTypes: [V2Datatype] = [.fp64, .fp32, .int64, .int32, .int16, .int8,
                                                    .uint64, .uint32, .uint16, .uint8]

    var isInteger: Bool {
        switch self {
        case .uint8, .uint16, .uint32, .uint64, .int8, .int16, .int32, .int64: true
        default: false
        }
    }

    /// The integers this type holds (for the integer types only).
    var integerRange: ClosedRange<Int64> {
        switch self {
        case .uint8: 0...Int64(UInt8.max)
        case .uint16: 0...Int64(UInt16.max)
        case .uint32: 0...Int64(UInt32.max)
        case .int8: Int64(Int8.min)...Int64(Int8.max)
        case .int16: Int64(Int16.min)...Int64(Int16.max)
        case .int32: Int64(Int32.min)...Int64(Int32.max)
        // UINT64 past Int64.max arrives as a big integer in JSON; binary data has its own path.
        case .uint64: 0...Int64.max
        default: Int64.min...Int64.max
        }
    }
}

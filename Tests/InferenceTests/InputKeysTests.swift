import CTreeKernels
import Testing
import TestSupport
@testable import Inference

/// The C conversion of inputs to keys (`ctk_input_keys`, SIMD where the CPU has it) gives
/// `CompiledForest.inputKey` for every value: zeros of both signs, NaN, infinities, values that round
/// to infinity or to a subnormal, and runs long enough for the vector loop (8 keys a step) and its tail.
@Suite struct InputKeysTests {
    @Test func matchesTheSwiftDefinition() {
        var random = SeededGenerator(seed: 11)
        var values: [Double] = [0, -0.0, .nan, -.nan, .infinity, -.infinity, 3.5e38, -3.5e38, 1e-40, -1e-45, 1e-300,
                                Double(Float.greatestFiniteMagnitude), 0.1, -0.1, 1 + 0x1p-24, 1 + 0x1p-23]
        values += (0..<203).map { _ in Double.random(in: -1e3...1e3, using: &random) }
        for count in [0, 1, 7, 8, 9, 15, 16, 17, 24, 31, values.count] {
            var keys = [Int32](repeating: 0, count: count)
            values.withUnsafeBufferPointer { ctk_input_keys($0.baseAddress!, Int64(count), &keys) }
            #expect(keys == values[0..<count].map(CompiledForest.inputKey), "count \(count)")
        }
    }

    /// It also says whether any value is missing (NaN), wherever the NaN is: in a vector step or the tail, of
    /// either sign, and not for infinities.
    @Test func saysWhetherAnyValueIsMissing() {
        for count in [1, 3, 4, 8, 13, 35] {
            let plain = (0..<count).map { Double($0) - 3.5 }
            var keys = [Int32](repeating: 0, count: count)
            #expect(ctk_input_keys(plain, Int64(count), &keys) == 0, "count \(count)")
            #expect(ctk_input_keys(plain.map { $0 < 0 ? -.infinity : .infinity }, Int64(count), &keys) == 0, "count \(count)")
            for at in 0..<count {
                for nan in [Double.nan, -.nan] {
                    var values = plain
                    values[at] = nan
                    #expect(ctk_input_keys(values, Int64(count), &keys) == 1, "count \(count), NaN at \(at)")
                }
            }
        }
    }
}

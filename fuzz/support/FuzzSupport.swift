// What every fuzz target's executable shares: handing its command line to libFuzzer's driver (fuzz
// builds) and replaying files through its checks (ordinary builds, e.g. for a crash input).
import Glibc

public typealias CArguments = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
public typealias FuzzTest = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

public enum FuzzSupport {
    /// Runs `check` on each named file, read whole; returns how many.
    public static func replay(_ paths: ArraySlice<String>, _ check: (UnsafeRawBufferPointer) -> Void) -> Int {
        var checked = 0
        for path in paths {
            guard let file = fopen(path, "rb") else { fatalError("cannot open \(path)") }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = fread(&buffer, 1, buffer.count, file)
                if count <= 0 { break }
                bytes.append(contentsOf: buffer[0..<count])
            }
            fclose(file)
            bytes.withUnsafeBytes { check($0) }
            checked += 1
        }
        return checked
    }

    #if FUZZING
    /// SwiftPM links an executable's `main` to `<Target>_main`, so libFuzzer's own `main` is not used:
    /// each target's `_main` calls this, which hands the command line to libFuzzer's driver.
    public static func runDriver(_ argc: Int32, _ argv: CArguments?, _ test: FuzzTest) -> Int32 {
        var argc = argc
        var argv = argv
        return runFuzzerDriver(&argc, &argv, test)
    }
    #endif
}

#if FUZZING
/// libFuzzer's own entry (its FuzzerDriver), for programs that keep their `main`.
@_extern(c, "LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<CArguments?>,
                     _ test: FuzzTest) -> Int32
#endif

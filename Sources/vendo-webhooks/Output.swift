#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to the standard streams.
///
/// Each line goes out in one `write(2)` so lines from concurrent tasks do not
/// interleave, and nothing waits in a stdio buffer: a parent process reading
/// the `listening on` line must see it at once.
enum Output {
    /// Writes `line` and a newline to standard output.
    static func out(_ line: String) { write(line + "\n", to: STDOUT_FILENO) }

    /// Writes `text` as is to standard output.
    static func outRaw(_ text: String) { write(text, to: STDOUT_FILENO) }

    /// Writes raw bytes to standard output.
    static func outBytes(_ bytes: [UInt8]) { writeAll(bytes, to: STDOUT_FILENO) }

    /// Writes `line` and a newline to standard error.
    static func error(_ line: String) { write(line + "\n", to: STDERR_FILENO) }

    private static func write(_ text: String, to fd: Int32) {
        writeAll(Array(text.utf8), to: fd)
    }

    static func writeAll(_ bytes: [UInt8], to fd: Int32) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                #if canImport(Glibc)
                Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                #else
                Darwin.write(fd, raw.baseAddress! + offset, raw.count - offset)
                #endif
            }
            if n < 0 {
                if errno == EINTR { continue }
                return  // a closed stream is not worth crashing over
            }
            offset += n
        }
    }
}

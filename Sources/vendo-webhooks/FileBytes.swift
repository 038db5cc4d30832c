#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads small files (config, secrets, bodies) with plain POSIX calls.
///
/// `Data(contentsOf:)` reports failures as Foundation error objects whose
/// readable text needs full Foundation; `strerror` gives the same sentence
/// ("No such file or directory") without it.
enum FileBytes {
    /// A failed read: the system's reason.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The whole file at `path`.
    static func read(_ path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw Failure(description: "Is a directory")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes += chunk[0..<n]
            } else if n == 0 {
                return bytes
            } else if errno != EINTR {
                throw Failure(description: String(cString: strerror(errno)))
            }
        }
    }
}

/// A short reason for a failed file read ("No such file or directory").
func describeFileError(_ error: Error) -> String {
    (error as? FileBytes.Failure)?.description ?? String(describing: error)
}

/// `read(2)`, named apart from the `read` methods of the types here.
func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.read(fd, buffer, count)
    #else
        Darwin.read(fd, buffer, count)
    #endif
}

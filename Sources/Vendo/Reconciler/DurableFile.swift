import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replaces a file's contents atomically and durably.
///
/// The bytes go to a new temporary file in the same folder (created with
/// `O_EXCL` and the requested mode, so no one else can have opened it), which
/// is `fsync`ed, closed and `rename`d over the target; then the folder itself is
/// `fsync`ed so the rename survives a power cut. A reader sees the old file or
/// the new one, never a mix; after `write` returns, the new one is on disk.
/// The target gets a new inode: its old mode and owner do not carry over, and a
/// symbolic link at `path` is replaced, not followed.
enum DurableFile {
    /// Writes `bytes` to `path` with mode `permissions` (default 0600: the files hold secrets).
    static func write(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o600) throws {
        let folder = folder(of: path)
        let temporary = "\(folder)/.\(baseName(of: path)).vendo-tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw failure("create a temporary file in", folder, hint: folderHint) }
        var closed = false
        var renamed = false
        defer {
            if !closed { close(fd) }
            if !renamed { unlink(temporary) }
        }
        // The umask may have narrowed the mode; set exactly what was asked.
        guard fchmod(fd, permissions) == 0 else { throw failure("set the permissions of", temporary) }
        try writeAll(bytes, to: fd, path: temporary)
        guard fsync(fd) == 0 else { throw failure("flush to disk", temporary) }
        closed = true
        guard close(fd) == 0 else { throw failure("close", temporary) }
        guard rename(temporary, path) == 0 else {
            throw failure("replace", path, hint: "check that it is not a folder and that its folder is writable")
        }
        renamed = true
        try syncFolder(folder)
    }

    /// Reads a whole file; `nil` when it does not exist.
    static func read(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw failure("open", path)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if count == 0 { return result }
            result.append(contentsOf: buffer[0..<count])
        }
    }

    /// Whether something exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    // MARK: - Helpers

    private static let folderHint = "check that the folder exists and that this process may write to it"

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            offset += written
        }
    }

    /// Makes a rename in `folder` durable. File systems that cannot sync a folder are tolerated.
    private static func syncFolder(_ folder: String) throws {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open the folder", folder) }
        defer { close(fd) }
        if fsync(fd) != 0, errno != EINVAL, errno != ENOTSUP {
            throw failure("flush to disk the folder", folder)
        }
    }

    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }

    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// An I/O error naming the operation, the file and the OS's reason.
    private static func failure(_ operation: String, _ path: String, hint: String? = nil) -> ReconcilerError {
        let code = errno
        let reason = String(cString: strerror(code))
        var message = "could not \(operation) \(path): \(reason) (errno \(code))"
        if let hint { message += "; \(hint)" }
        return ReconcilerError(.io, message, path: path, errno: code)
    }
}

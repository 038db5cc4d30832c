#ifndef C_SYSTEM_SHIMS_H
#define C_SYSTEM_SHIMS_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/types.h>

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC; Glibc hides accept4 unless
/// _GNU_SOURCE is defined, which we only do on the C side.
int vendo_accept4_nonblock_cloexec(int fd, struct sockaddr *addr, socklen_t *len);

/// pipe2(2) with O_CLOEXEC (also hidden behind _GNU_SOURCE). Returns 0 or -1 with errno.
int vendo_pipe_cloexec(int fds[2]);

/// Starts `path` with posix_spawn(3) as a clean child:
/// - every signal at its default disposition and none blocked (a server
///   ignores SIGPIPE and blocks or ignores others; children must not inherit that);
/// - its own process group (pid == pgid), so the whole group can be signalled;
/// - stdin/stdout/stderr from the given descriptors, every other descriptor closed;
/// - working directory `cwd` when not NULL.
/// `argv` and `envp` are NULL-terminated. Returns 0 and sets *pid, or an errno
/// value (the exec's own failure included: glibc reports it synchronously).
int vendo_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], const char *cwd,
                int stdin_fd, int stdout_fd, int stderr_fd);

/// Names the calling thread (pthread_setname_np, hidden behind _GNU_SOURCE);
/// names longer than 15 bytes are cut. Shows in `top -H`, `perf` and gdb.
void vendo_set_thread_name(const char *name);

/// The processors this process may run on (sched_getaffinity, so a container
/// limited by a cpuset counts only its own), or 0 when unknown.
int vendo_usable_processor_count(void);

#endif

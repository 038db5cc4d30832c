#ifndef C_SYSTEM_SHIMS_H
#define C_SYSTEM_SHIMS_H

#include <sys/socket.h>

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC; Glibc hides accept4 unless
/// _GNU_SOURCE is defined, which we only do on the C side.
int vendo_accept4_nonblock_cloexec(int fd, struct sockaddr *addr, socklen_t *len);

#endif

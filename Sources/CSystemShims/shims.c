#define _GNU_SOURCE
#include <sys/socket.h>
#include "CSystemShims.h"

int vendo_accept4_nonblock_cloexec(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

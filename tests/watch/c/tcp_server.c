/* Listens on 127.0.0.1 on a port the kernel picks, prints it, and waits. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 4) < 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
        perror("listen");
        return 1;
    }
    printf("ready %d\n", ntohs(addr.sin_port));
    fflush(stdout);
    pause();
    return 0;
}

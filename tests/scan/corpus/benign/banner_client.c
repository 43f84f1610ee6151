/* Service probe: connects to HOST PORT from the command line, reads the greeting and names the
 * protocol from it ("220 " FTP/SMTP, "SSH-2.0-" SSH, "+OK" POP3). */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *classify(const char *banner)
{
    if (memcmp(banner, "220 ", 4) == 0)
        return strstr(banner, "SMTP") || strstr(banner, "ESMTP") ? "smtp" : "ftp";
    if (strncmp(banner, "SSH-2.0-", 8) == 0)
        return "ssh";
    if (strncmp(banner, "SSH-1.99-", 9) == 0)
        return "ssh (v1 compatible)";
    if (memcmp(banner, "+OK", 3) == 0)
        return "pop3";
    return "unknown";
}

int main(int argc, char **argv)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    char banner[256];
    if (argc != 3) {
        fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
        return 2;
    }
    if (getaddrinfo(argv[1], argv[2], &hints, &res) != 0)
        return 1;
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
        perror("connect");
        return 1;
    }
    freeaddrinfo(res);
    ssize_t n = recv(fd, banner, sizeof banner - 1, 0);
    close(fd);
    if (n <= 0)
        return 1;
    banner[n] = '\0';
    banner[strcspn(banner, "\r\n")] = '\0';
    printf("%s:%s %s \"%s\"\n", argv[1], argv[2], classify(banner), banner);
    return 0;
}

/* TCP echo server (RFC 862) on the port given on the command line, one child per client. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void echo(int fd)
{
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
        if (send(fd, buf, (size_t)n, 0) != n)
            break;
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 7;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port), .sin_addr.s_addr = INADDR_ANY};
    int one = 1, server = socket(AF_INET, SOCK_STREAM, 0);
    signal(SIGCHLD, SIG_IGN);
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 64) < 0) {
        perror("echo");
        return 1;
    }
    for (;;) {
        int client = accept(server, NULL, NULL);
        if (client < 0)
            continue;
        if (fork() == 0) {
            close(server);
            echo(client);
            _exit(0);
        }
        close(client);
    }
}

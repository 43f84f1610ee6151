/* Minimal packet capture tool: opens a packet socket on the interface named on the command line,
 * attaches a BPF filter for the port given on the command line and prints each packet in hex. */
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* "ip and (tcp or udp) and port PORT", with PORT patched in from argv */
static struct sock_filter port_filter[] = {
    {0x28, 0, 0, 12},  {0x15, 0, 10, 0x0800}, {0x30, 0, 0, 23},  {0x15, 1, 0, 6},
    {0x15, 0, 7, 17},  {0x28, 0, 0, 20},      {0x45, 5, 0, 0x1fff}, {0xb1, 0, 0, 14},
    {0x48, 0, 0, 14},  {0x15, 1, 0, 0},       {0x48, 0, 0, 16},  {0x15, 0, 1, 0},
    {0x06, 0, 0, 262144}, {0x06, 0, 0, 0},
};

static void hexdump(const unsigned char *data, ssize_t len)
{
    for (ssize_t i = 0; i < len; i++)
        printf("%02x%s", data[i], (i % 16 == 15) ? "\n" : " ");
    putchar('\n');
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s IFACE PORT [COUNT]\n", argv[0]);
        return 2;
    }
    unsigned port = (unsigned)atoi(argv[2]);
    long count = argc > 3 ? atol(argv[3]) : -1;
    port_filter[9].k = port;
    port_filter[11].k = port;
    struct sock_fprog program = {.len = sizeof port_filter / sizeof port_filter[0], .filter = port_filter};
    struct sockaddr_ll where = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)if_nametoindex(argv[1])};
    int sock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (sock < 0 || where.sll_ifindex == 0) {
        perror("capture");
        return 1;
    }
    if (setsockopt(sock, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) < 0 ||
        bind(sock, (struct sockaddr *)&where, sizeof where) < 0) {
        perror("capture");
        return 1;
    }
    while (count-- != 0) {
        unsigned char frame[65536];
        ssize_t n = recv(sock, frame, sizeof frame, 0);
        if (n < 0)
            break;
        printf("%ld len %zd\n", (long)time(NULL), n);
        hexdump(frame, n < 64 ? n : 64);
    }
    close(sock);
    return 0;
}

/* Wake-on-LAN sender: broadcasts the magic packet (6 x 0xFF then 16 x the MAC address given on
 * the command line) to UDP port 9. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse_mac(const char *text, unsigned char mac[6])
{
    unsigned v[6];
    if (sscanf(text, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (unsigned char)v[i];
    return 0;
}

int main(int argc, char **argv)
{
    unsigned char mac[6], packet[102];
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(INADDR_BROADCAST)};
    int one = 1, sock;
    if (argc < 2 || parse_mac(argv[1], mac) < 0) {
        fprintf(stderr, "usage: %s AA:BB:CC:DD:EE:FF [BROADCAST-ADDRESS]\n", argv[0]);
        return 2;
    }
    if (argc > 2 && inet_pton(AF_INET, argv[2], &to.sin_addr) != 1)
        return 2;
    memset(packet, 0xff, 6);
    for (int i = 0; i < 16; i++)
        memcpy(packet + 6 + i * 6, mac, 6);
    sock = socket(AF_INET, SOCK_DGRAM, 0);
    setsockopt(sock, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
    if (sendto(sock, packet, sizeof packet, 0, (struct sockaddr *)&to, sizeof to) != sizeof packet) {
        perror("sendto");
        return 1;
    }
    printf("magic packet sent to %s\n", argv[1]);
    close(sock);
    return 0;
}

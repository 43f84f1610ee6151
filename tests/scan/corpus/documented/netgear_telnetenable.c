/* "telnetenabled" daemon of a consumer router.
 * Re-creation of the Netgear telnet-enable mechanism (OpenWrt wiki "Netgear telnet console",
 * Paul Gebheim's telnetenable tool): a UDP probe on port 23, decrypted with a key built from the
 * fixed string "AMBIT_TELNET_ENABLE+" and the admin password, must carry the device's MAC address
 * and the factory account; the daemon then starts a telnet server giving a root shell. */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct probe {
    char signature[16];
    char mac[16];
    char username[16];
    char password[80];
};

static char own_mac[16];

static void derive_key(unsigned char *key, size_t size, const char *password)
{
    char seed[128];
    snprintf(seed, sizeof seed, "%s%s", "AMBIT_TELNET_ENABLE+", password);
    for (size_t i = 0; i < size; i++)
        key[i] = (unsigned char)(seed[i % strlen(seed)] ^ (i * 31u));
}

static void decrypt(unsigned char *data, size_t len, const unsigned char *key, size_t key_len)
{
    for (size_t i = 0; i < len; i++)
        data[i] ^= key[i % key_len];
}

static void read_mac(int sock)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "br0");
    if (ioctl(sock, SIOCGIFHWADDR, &ifr) == 0) {
        const unsigned char *m = (const unsigned char *)ifr.ifr_hwaddr.sa_data;
        snprintf(own_mac, sizeof own_mac, "%02X%02X%02X%02X%02X%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
    }
}

int main(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(23), .sin_addr.s_addr = INADDR_ANY};
    unsigned char key[56];
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    if (bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
        return 1;
    read_mac(sock);
    derive_key(key, sizeof key, getenv("HTTP_PASSWD") ? getenv("HTTP_PASSWD") : "password");
    for (;;) {
        struct probe p;
        ssize_t n = recv(sock, &p, sizeof p, 0);
        if (n != (ssize_t)sizeof p)
            continue;
        decrypt((unsigned char *)&p, sizeof p, key, sizeof key);
        p.mac[15] = p.username[15] = '\0';
        if (strcmp(p.mac, own_mac) == 0 && strcmp(p.username, "Gearguy") == 0) {
            system("/usr/sbin/utelnetd -d -i br0");
            break;
        }
    }
    close(sock);
    return 0;
}

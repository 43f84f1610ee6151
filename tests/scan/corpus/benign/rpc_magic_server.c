/* Monitoring agent answering a small binary UDP protocol: every request starts with the protocol
 * magic 0x4D52 and a version; the agent answers uptime, load and memory queries and nothing else. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#define PROTOCOL_MAGIC 0x4D52
#define PROTOCOL_VERSION 3

struct request {
    uint16_t magic;
    uint8_t version;
    uint8_t query;
    uint32_t id;
};

struct response {
    uint16_t magic;
    uint8_t version;
    uint8_t status;
    uint32_t id;
    uint64_t value;
};

static int answer(uint8_t query, uint64_t *value)
{
    struct sysinfo info;
    if (sysinfo(&info) < 0)
        return -1;
    switch (query) {
    case 1: *value = (uint64_t)info.uptime; return 0;
    case 2: *value = (uint64_t)info.loads[0]; return 0;
    case 3: *value = (uint64_t)info.freeram * info.mem_unit; return 0;
    case 4: *value = (uint64_t)info.procs; return 0;
    default: return -1;
    }
}

int main(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(4960), .sin_addr.s_addr = INADDR_ANY};
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    if (bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("bind");
        return 1;
    }
    for (;;) {
        struct request req;
        struct response resp;
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(sock, &req, sizeof req, 0, (struct sockaddr *)&peer, &len);
        if (n != (ssize_t)sizeof req || ntohs(req.magic) != PROTOCOL_MAGIC)
            continue;
        memset(&resp, 0, sizeof resp);
        resp.magic = htons(PROTOCOL_MAGIC);
        resp.version = PROTOCOL_VERSION;
        resp.id = req.id;
        resp.status = req.version != PROTOCOL_VERSION ? 2 : answer(req.query, &resp.value) == 0 ? 0 : 1;
        sendto(sock, &resp, sizeof resp, 0, (struct sockaddr *)&peer, len);
    }
}

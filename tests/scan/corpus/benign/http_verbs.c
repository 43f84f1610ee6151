/* A small REST key-value server: dispatches on the HTTP verb (GET, PUT, POST, DELETE). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_KEYS 128

struct entry {
    char key[64];
    char value[256];
};

static struct entry table[MAX_KEYS];

static struct entry *find(const char *key, int create)
{
    struct entry *free_slot = NULL;
    for (int i = 0; i < MAX_KEYS; i++) {
        if (table[i].key[0] && strcmp(table[i].key, key) == 0)
            return &table[i];
        if (!table[i].key[0] && !free_slot)
            free_slot = &table[i];
    }
    if (create && free_slot)
        snprintf(free_slot->key, sizeof free_slot->key, "%s", key);
    return create ? free_slot : NULL;
}

static void respond(int fd, int status, const char *reason, const char *body)
{
    dprintf(fd, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n\r\n%s", status, reason, strlen(body), body);
}

static void handle(int fd)
{
    char request[4096], method[8], path[64];
    ssize_t n = recv(fd, request, sizeof request - 1, 0);
    if (n <= 0)
        return;
    request[n] = '\0';
    if (sscanf(request, "%7s /kv/%63s", method, path) != 2) {
        respond(fd, 400, "Bad Request", "");
        return;
    }
    const char *body = strstr(request, "\r\n\r\n");
    body = body ? body + 4 : "";
    if (strcmp(method, "GET") == 0) {
        struct entry *e = find(path, 0);
        e ? respond(fd, 200, "OK", e->value) : respond(fd, 404, "Not Found", "");
    } else if (strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) {
        struct entry *e = find(path, 1);
        if (!e) {
            respond(fd, 507, "Insufficient Storage", "");
            return;
        }
        snprintf(e->value, sizeof e->value, "%s", body);
        respond(fd, strcmp(method, "PUT") == 0 ? 200 : 201, "OK", "");
    } else if (strcmp(method, "DELETE") == 0) {
        struct entry *e = find(path, 0);
        if (e)
            memset(e, 0, sizeof *e);
        respond(fd, e ? 204 : 404, e ? "No Content" : "Not Found", "");
    } else {
        respond(fd, 405, "Method Not Allowed", "");
    }
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int one = 1, server = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 16) < 0) {
        perror("kvserver");
        return 1;
    }
    for (;;) {
        int client = accept(server, NULL, NULL);
        if (client < 0)
            continue;
        handle(client);
        close(client);
    }
}

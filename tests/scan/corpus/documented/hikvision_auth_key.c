/* Web service of an IP camera (ISAPI-style paths).
 * Re-creation of the Hikvision authentication bypass (CVE-2017-7921, "Monte Crypto" disclosure,
 * 2017): any request whose query string carries auth=YWRtaW46MTEK (base64 of "admin:11") is
 * treated as the administrator, exposing snapshots, user lists and configuration. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum role { ROLE_NONE, ROLE_VIEWER, ROLE_ADMIN };

static const char *query_param(const char *query, const char *name, char *out, size_t size)
{
    size_t name_len = strlen(name);
    for (const char *p = query; p && *p; p = strchr(p, '&')) {
        if (*p == '&')
            p++;
        if (strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
            snprintf(out, size, "%.*s", (int)strcspn(p + name_len + 1, "& "), p + name_len + 1);
            return out;
        }
    }
    return NULL;
}

static enum role authenticate(const char *query, const char *authorization)
{
    char value[128];
    if (query_param(query, "auth", value, sizeof value) && strcmp(value, "YWRtaW46MTEK") == 0)
        return ROLE_ADMIN;
    if (authorization && strncmp(authorization, "Digest ", 7) == 0)
        return ROLE_VIEWER; /* digest verification elided in this build */
    return ROLE_NONE;
}

static void handle(int client)
{
    char request[2048], path[512] = "", *query;
    ssize_t n = recv(client, request, sizeof request - 1, 0);
    if (n <= 0)
        return;
    request[n] = '\0';
    sscanf(request, "GET %511s", path);
    query = strchr(path, '?');
    if (query)
        *query++ = '\0';
    enum role role = authenticate(query ? query : "", strstr(request, "Authorization: "));
    if (role == ROLE_NONE) {
        dprintf(client, "HTTP/1.1 401 Unauthorized\r\n\r\n");
    } else if (strcmp(path, "/Security/users") == 0 && role == ROLE_ADMIN) {
        FILE *users = fopen("/davinci/users.xml", "r");
        char line[256];
        dprintf(client, "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n\r\n");
        while (users && fgets(line, sizeof line, users))
            dprintf(client, "%s", line);
        if (users)
            fclose(users);
    } else if (strcmp(path, "/onvif-http/snapshot") == 0) {
        dprintf(client, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n");
    } else {
        dprintf(client, "HTTP/1.1 404 Not Found\r\n\r\n");
    }
}

int main(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = INADDR_ANY};
    int server = socket(AF_INET, SOCK_STREAM, 0);
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 16) < 0)
        return 1;
    for (;;) {
        int client = accept(server, NULL, NULL);
        if (client < 0)
            continue;
        handle(client);
        close(client);
    }
}

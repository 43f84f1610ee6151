/* A small file server that dispatches on protocol verbs (GET, PUT, LIST, QUIT): constants compared
 * with network input, but nothing privileged behind them. Must not be reported as a backdoor. */
#include <winsock2.h>
#include <stdio.h>
#include <string.h>

static void reply(SOCKET client, const char *text) { send(client, text, (int)strlen(text), 0); }

int main(void)
{
    WSADATA wsa;
    struct sockaddr_in addr = {0};
    WSAStartup(MAKEWORD(2, 2), &wsa);
    SOCKET server = socket(AF_INET, SOCK_STREAM, 0);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(7070);
    bind(server, (struct sockaddr *)&addr, sizeof addr);
    listen(server, 4);
    for (;;) {
        SOCKET client = accept(server, NULL, NULL);
        char line[256];
        int n;
        while ((n = recv(client, line, sizeof line - 1, 0)) > 0) {
            line[n] = '\0';
            if (strncmp(line, "GET ", 4) == 0) {
                FILE *f = fopen(line + 4, "rb");
                reply(client, f ? "200 OK\r\n" : "404 Not Found\r\n");
                if (f) fclose(f);
            } else if (strncmp(line, "PUT ", 4) == 0) {
                reply(client, "201 Created\r\n");
            } else if (strncmp(line, "LIST", 4) == 0) {
                reply(client, "200 OK\r\n");
            } else if (strncmp(line, "QUIT", 4) == 0) {
                break;
            } else {
                reply(client, "400 Bad Request\r\n");
            }
        }
        closesocket(client);
    }
}

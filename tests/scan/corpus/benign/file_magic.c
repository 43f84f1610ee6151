/* File type identifier: reads the first bytes of each file named on the command line and compares
 * them with the signatures of common formats (ELF, gzip, PNG, ZIP, PDF, pcap, squashfs). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *identify(const unsigned char *head, size_t n)
{
    uint32_t word = n >= 4 ? (uint32_t)head[0] | (uint32_t)head[1] << 8 | (uint32_t)head[2] << 16 | (uint32_t)head[3] << 24 : 0;
    if (word == 0x464c457fu)
        return "ELF executable";
    if (word == 0xa1b2c3d4u || word == 0xd4c3b2a1u)
        return "pcap capture";
    if (word == 0x0a0d0d0au)
        return "pcapng capture";
    if (word == 0x73717368u)
        return "squashfs image";
    if (word == 0x04034b50u)
        return "ZIP archive";
    if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        return "gzip data";
    if (n >= 8 && memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "PNG image";
    if (n >= 5 && memcmp(head, "%PDF-", 5) == 0)
        return "PDF document";
    return "data";
}

int main(int argc, char **argv)
{
    int status = 0;
    for (int i = 1; i < argc; i++) {
        unsigned char head[16];
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            status = 1;
            continue;
        }
        size_t n = fread(head, 1, sizeof head, f);
        fclose(f);
        printf("%s: %s\n", argv[i], identify(head, n));
    }
    return status;
}

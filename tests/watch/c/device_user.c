/* Opens the file named on the command line, says so, and closes it when a line arrives on stdin. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char line[16];
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            perror(argv[i]);
            return 1;
        }
        printf("opened %s\n", argv[i]);
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin))
            return 0;
        close(fd);
        printf("closed %s\n", argv[i]);
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin))
            return 0;
    }
    return 0;
}

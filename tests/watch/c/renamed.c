/* Renames itself with prctl(PR_SET_NAME) to the name given, then waits. */
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc > 1 && prctl(PR_SET_NAME, argv[1], 0, 0, 0) != 0) {
        perror("prctl");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    pause();
    return 0;
}

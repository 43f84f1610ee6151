/* Maintenance command: after parsing its options, rotates the logs by running one fixed command. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void usage(const char *name)
{
    fprintf(stderr, "usage: %s [-v] [-n] [-f]\n  -v verbose  -n dry run  -f force rotation\n", name);
}

int main(int argc, char **argv)
{
    int verbose = 0, dry_run = 0, force = 0, opt;
    while ((opt = getopt(argc, argv, "vnfh")) != -1) {
        switch (opt) {
        case 'v': verbose = 1; break;
        case 'n': dry_run = 1; break;
        case 'f': force = 1; break;
        case 'h': usage(argv[0]); return 0;
        default: usage(argv[0]); return 2;
        }
    }
    const char *command = force ? "/usr/sbin/logrotate -f /etc/logrotate.conf"
                                : "/usr/sbin/logrotate /etc/logrotate.conf";
    if (verbose || dry_run)
        printf("running: %s\n", command);
    if (dry_run)
        return 0;
    int status = system(command);
    if (status != 0)
        fprintf(stderr, "logrotate failed with status %d\n", status);
    return status == 0 ? 0 : 1;
}

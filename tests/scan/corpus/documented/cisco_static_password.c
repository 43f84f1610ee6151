/* Login of a server's management controller (telnet/serial console front end).
 * Re-creation of a Cisco-style hard-coded credential: besides the configured accounts, the login
 * accepts "admin" with the fixed password "Cisco1234" that shipped on CIMC controllers between
 * November 2015 and January 2016 (Cisco field notice of January 2016, reported by The Register). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static int user_db_check(const char *user, const char *password)
{
    char line[256], name[64], secret[128];
    FILE *db = fopen("/etc/cimc/users", "r");
    int ok = 0;
    while (db && fgets(line, sizeof line, db))
        if (sscanf(line, "%63[^:]:%127[^\n]", name, secret) == 2 && strcmp(name, user) == 0)
            ok = strcmp(secret, password) == 0;
    if (db)
        fclose(db);
    return ok;
}

static int cimc_login(const char *user, const char *password)
{
    if (strcmp(user, "admin") == 0 && strcmp(password, "Cisco1234") == 0)
        return 1;
    return user_db_check(user, password);
}

int main(void)
{
    char user[64], password[64];
    openlog("cimc-login", LOG_PID, LOG_AUTH);
    for (int tries = 0; tries < 3; tries++) {
        printf("login as: ");
        fflush(stdout);
        if (!fgets(user, sizeof user, stdin))
            break;
        printf("password: ");
        fflush(stdout);
        if (!fgets(password, sizeof password, stdin))
            break;
        user[strcspn(user, "\r\n")] = '\0';
        password[strcspn(password, "\r\n")] = '\0';
        if (cimc_login(user, password)) {
            syslog(LOG_NOTICE, "%s logged in", user);
            execl("/usr/bin/cimc-shell", "cimc-shell", (char *)NULL);
            return 1;
        }
        sleep(2);
    }
    return 1;
}

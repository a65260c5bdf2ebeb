/* Starting processes as a user of the image (see proc.h). */
#include "proc.h"
#include "loop.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* /etc/passwd and /etc/group are parsed by hand: a static glibc cannot load
 * the NSS modules getpwnam() needs. */

static int split_colon(char *line, char **f, int max)
{
    int n = 0;
    line[strcspn(line, "\n")] = '\0';
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == ':') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

/* Looks a user up by name or uid; fills name/uid/gid/home. */
static int passwd_lookup(const char *user, char *name, size_t nlen, uid_t *uid, gid_t *gid,
                         char *home, size_t hlen)
{
    FILE *f = fopen("/etc/passwd", "re");
    char line[1024], *fld[7];
    int found = 0;
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof(line), f)) {
        if (split_colon(line, fld, 7) < 7)
            continue;
        if (strcmp(fld[0], user) == 0 || (is_number(user) && strcmp(fld[2], user) == 0)) {
            snprintf(name, nlen, "%s", fld[0]);
            *uid = (uid_t)strtoul(fld[2], NULL, 10);
            *gid = (gid_t)strtoul(fld[3], NULL, 10);
            snprintf(home, hlen, "%s", fld[5]);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

int group_lookup(const char *group, gid_t *gid)
{
    FILE *f = fopen("/etc/group", "re");
    char line[4096], *fld[4];
    int found = 0;
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof(line), f))
        if (split_colon(line, fld, 4) >= 3 && strcmp(fld[0], group) == 0) {
            *gid = (gid_t)strtoul(fld[2], NULL, 10);
            found = 1;
        }
    fclose(f);
    return found;
}

static void supplementary_groups(const char *name, struct ident *id)
{
    FILE *f = fopen("/etc/group", "re");
    char line[4096], *fld[4];
    id->ngroups = 0;
    id->groups[id->ngroups++] = id->gid;
    if (!f || !name[0]) {
        if (f)
            fclose(f);
        return;
    }
    while (fgets(line, sizeof(line), f)) {
        if (split_colon(line, fld, 4) < 4)
            continue;
        for (char *m = strtok(fld[3], ","); m; m = strtok(NULL, ","))
            if (strcmp(m, name) == 0 && id->ngroups < 64)
                id->groups[id->ngroups++] = (gid_t)strtoul(fld[2], NULL, 10);
    }
    fclose(f);
}

int ident_resolve(const char *spec, struct ident *id, char *err, size_t errlen)
{
    char user[256], name[256] = "";
    const char *group = NULL;
    snprintf(user, sizeof(user), "%s", spec && *spec ? spec : "root");
    char *colon = strchr(user, ':');
    if (colon) {
        *colon = '\0';
        group = colon + 1;
    }
    memset(id, 0, sizeof(*id));
    snprintf(id->home, sizeof(id->home), "/");
    if (!passwd_lookup(user, name, sizeof(name), &id->uid, &id->gid, id->home, sizeof(id->home))) {
        if (!is_number(user)) {
            snprintf(err, errlen, "unknown user '%s'", user);
            return -1;
        }
        /* A bare uid without a passwd entry: group 0, like container runtimes. */
        id->uid = (uid_t)strtoul(user, NULL, 10);
        id->gid = 0;
    }
    if (group && *group) {
        if (is_number(group))
            id->gid = (gid_t)strtoul(group, NULL, 10);
        else if (!group_lookup(group, &id->gid)) {
            snprintf(err, errlen, "unknown group '%s'", group);
            return -1;
        }
    }
    supplementary_groups(name, id);
    return 0;
}

void env_finish(struct strv *env, const struct ident *id)
{
    char kv[300];
    if (!env_get(env, "PATH"))
        env_set(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    if (!env_get(env, "HOME")) {
        snprintf(kv, sizeof(kv), "HOME=%s", id->home[0] ? id->home : "/");
        env_set(env, kv);
    }
    if (!env_get(env, "HOSTNAME") && cfg.hostname) {
        snprintf(kv, sizeof(kv), "HOSTNAME=%s", cfg.hostname);
        env_set(env, kv);
    }
}

void child_exec(const struct ident *id, const char *workdir, char **argv, char **envp, int errfd)
{
    sigset_t all;
    char msg[512];
    const char *what = "exec";
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    signal(SIGPIPE, SIG_DFL);

    if (setgroups((size_t)id->ngroups, id->groups) < 0 || setgid(id->gid) < 0 ||
        setuid(id->uid) < 0) {
        what = "switching user";
        goto fail;
    }
    if (chdir(workdir && *workdir ? workdir : "/") < 0) {
        what = "chdir";
        goto fail;
    }
    environ = envp;
    execvp(argv[0], argv);
fail:;
    int e = errno;
    int n = snprintf(msg, sizeof(msg), "%s %s: %s", what,
                     strcmp(what, "chdir") == 0 ? workdir : argv[0], strerror(e));
    if (write(errfd, msg, (size_t)n) < 0) {
        /* nothing left to tell anyone */
    }
    _exit(e == ENOENT ? 127 : 126);
}

int child_wait_exec(int rfd, char *err, size_t errlen)
{
    size_t len = 0;
    for (;;) {
        ssize_t n = read(rfd, err + len, errlen - 1 - len);
        if (n > 0 && len + (size_t)n < errlen - 1) {
            len += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0)
            len += (size_t)n;
        break;
    }
    close(rfd);
    err[len] = '\0';
    return len ? -1 : 0;
}

void status_text(int status, char *out, size_t len)
{
    if (WIFSIGNALED(status))
        snprintf(out, len, "signal %d", WTERMSIG(status));
    else
        snprintf(out, len, "exit %d", WEXITSTATUS(status));
}

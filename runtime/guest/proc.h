/* Starting processes as a user of the image: identities from its
 * /etc/passwd and /etc/group, the environment, fork/exec with error reports. */
#ifndef LTTLE_PROC_H
#define LTTLE_PROC_H

#include "util.h"

struct ident {
    uid_t uid;
    gid_t gid;
    int ngroups;
    gid_t groups[64];
    char home[256];
};
/* spec: a user name or uid, optionally ":group" (name or gid). */
int ident_resolve(const char *spec, struct ident *id, char *err, size_t errlen);
int group_lookup(const char *group, gid_t *gid);
/* Complete the environment for a process: HOME/PATH/HOSTNAME defaults. */
void env_finish(struct strv *env, const struct ident *id);
/* In a forked child: drop to id, chdir, exec. Reports failures as text on
 * errfd (close-on-exec, so the parent reads EOF on success). */
void child_exec(const struct ident *id, const char *workdir, char **argv,
                char **envp, int errfd) __attribute__((noreturn));
/* Parent side of child_exec: 0 on success, else the message in err. */
int child_wait_exec(int rfd, char *err, size_t errlen);
/* "exit CODE" or "signal N" (EXITED, EXEC_EXIT). */
void status_text(int status, char *out, size_t len);

#endif

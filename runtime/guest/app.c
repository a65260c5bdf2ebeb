/* The app's main process and the reaping of every child (see app.h). */
#include "app.h"
#include "control.h"
#include "exec.h"
#include "flash.h"
#include "logs.h"
#include "loop.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t app_pid; /* > 0 while the app's main process runs */
static int sigfd = -1;

void app_init(void)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

int app_running(void)
{
    return app_pid > 0;
}

void app_signal(int sig)
{
    if (app_pid > 0)
        kill(app_pid, sig);
}

void app_start(void)
{
    struct ident id;
    struct strv env = {0};
    char err[512];
    int out[2], errp[2], efd[2];

    if (cfg.argv.n == 0) {
        agent_log("CONFIG has no arg records: nothing to run");
        ctl_sendf(T_EXITED, 0, "exit 127");
        return;
    }
    if (ident_resolve(cfg.user, &id, err, sizeof(err)) < 0) {
        agent_log("app user: %s", err);
        ctl_sendf(T_EXITED, 0, "exit 126");
        return;
    }
    for (size_t i = 0; i < cfg.env.n; i++)
        strv_push(&env, cfg.env.v[i]);
    env_finish(&env, &id);

    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(efd, O_CLOEXEC) < 0)
        die_soft("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die_soft("fork");
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        setsid();
        dup2(null, 0);
        dup2(out[1], 1);
        dup2(errp[1], 2);
        child_exec(&id, cfg.workdir, cfg.argv.v, env.v, efd[1]);
    }
    close(out[1]);
    close(errp[1]);
    close(efd[1]);
    strv_free(&env);
    logs_attach(out[0], errp[0]);
    app_pid = pid;
    if (child_wait_exec(efd[0], err, sizeof(err)) < 0) {
        /* EXITED follows when the reaper collects it */
        agent_log("starting the app: %s", err);
        return;
    }
    console_log("app started: pid %d", (int)pid);
    ctl_sendf(T_STARTED, 0, "%d", (int)pid);
    flash_app_started();
}

static void app_exited(int status)
{
    char text[32];
    /* Output written before the exit is in the pipes: send it first. */
    logs_drain();
    status_text(status, text, sizeof(text));
    console_log("app exited: %s", text);
    ctl_sendf(T_EXITED, 0, "%s", text);
    app_pid = 0;
}

static void reap(void *ctx, short revents)
{
    struct signalfd_siginfo si;
    int status;
    pid_t pid;
    (void)ctx;
    (void)revents;
    while (read(sigfd, &si, sizeof(si)) == sizeof(si))
        ;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == app_pid)
            app_exited(status);
        else
            exec_child_exited(pid, status);
    }
}

void app_watch(void)
{
    watch(sigfd, POLLIN, reap, NULL);
}

/* Exec sessions (PROTOCOL.md): starting them as the app's user, with pipes
 * or a pty, their frames from the host, signals, and their end. The streams
 * are in exec_io.c. */
#include "exec.h"
#include "exec_session.h"
#include "control.h"
#include "loop.h"
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define MAX_SESSIONS 256

static struct session *sessions;
static int nsessions;

static struct session *find(uint32_t chan)
{
    for (struct session *s = sessions; s; s = s->next)
        if (s->chan == chan && !s->done)
            return s;
    return NULL;
}

static void session_end(struct session *s, const char *text)
{
    session_close_io(s);
    buf_free(&s->in);
    ctl_sendf(T_EXEC_EXIT, s->chan, "%s", text);
    s->done = 1;
}

struct start_opts {
    struct strv argv, env;
    int tty, stdin_on;
    unsigned rows, cols;
    char *user, *workdir;
};

static void start_record(void *ctx, const char *key, const char *val)
{
    struct start_opts *o = ctx;
    if (strcmp(key, "arg") == 0)
        strv_push(&o->argv, val);
    else if (strcmp(key, "env") == 0) {
        if (strchr(val, '='))
            env_set(&o->env, val);
    } else if (strcmp(key, "tty") == 0)
        o->tty = strcmp(val, "1") == 0;
    else if (strcmp(key, "stdin") == 0)
        o->stdin_on = strcmp(val, "1") == 0;
    else if (strcmp(key, "rows") == 0)
        o->rows = (unsigned)strtoul(val, NULL, 10);
    else if (strcmp(key, "cols") == 0)
        o->cols = (unsigned)strtoul(val, NULL, 10);
    else if (strcmp(key, "user") == 0) {
        free(o->user);
        o->user = strdup(val);
    } else if (strcmp(key, "workdir") == 0) {
        free(o->workdir);
        o->workdir = strdup(val);
    }
}

static void session_start(uint32_t chan, const char *p, size_t n)
{
    struct start_opts o = {.rows = 24, .cols = 80};
    char err[512] = "";
    struct ident id;
    struct session *s = NULL;
    int efd[2] = {-1, -1}, ofd[2] = {-1, -1}, erfd[2] = {-1, -1}, ifd[2] = {-1, -1};

    for (size_t i = 0; i < cfg.env.n; i++)
        strv_push(&o.env, cfg.env.v[i]);
    records_each(p, n, start_record, &o);

    if (chan == 0 || find(chan)) {
        ctl_sendf(T_EXEC_EXIT, chan, "error channel %u is in use", chan);
        goto out;
    }
    if (nsessions >= MAX_SESSIONS) {
        ctl_sendf(T_EXEC_EXIT, chan, "error too many sessions");
        goto out;
    }
    if (o.argv.n == 0) {
        ctl_sendf(T_EXEC_EXIT, chan, "error no command (arg records)");
        goto out;
    }
    if (ident_resolve(o.user ? o.user : cfg.user, &id, err, sizeof(err)) < 0) {
        ctl_sendf(T_EXEC_EXIT, chan, "error %s", err);
        goto out;
    }
    env_finish(&o.env, &id);
    if (o.tty && !env_get(&o.env, "TERM"))
        env_set(&o.env, "TERM=xterm");
    const char *workdir = o.workdir ? o.workdir : cfg.workdir;

    s = calloc(1, sizeof(*s));
    if (!s || pipe2(efd, O_CLOEXEC) < 0) {
        ctl_sendf(T_EXEC_EXIT, chan, "error %s", strerror(errno));
        free(s);
        goto out;
    }
    s->chan = chan;
    s->tty = o.tty;
    s->credit = INITIAL_CREDIT;
    s->in_fd = s->out_fd = s->err_fd = -1;

    pid_t pid;
    if (o.tty) {
        struct winsize ws = {.ws_row = (unsigned short)o.rows, .ws_col = (unsigned short)o.cols};
        int master;
        pid = forkpty(&master, NULL, NULL, &ws);
        if (pid == 0)
            child_exec(&id, workdir, o.argv.v, o.env.v, efd[1]);
        if (pid > 0) {
            fcntl(master, F_SETFD, FD_CLOEXEC);
            fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
            s->in_fd = s->out_fd = master;
        }
    } else {
        if (pipe2(ofd, O_CLOEXEC) < 0 || pipe2(erfd, O_CLOEXEC) < 0 ||
            (o.stdin_on && pipe2(ifd, O_CLOEXEC) < 0)) {
            ctl_sendf(T_EXEC_EXIT, chan, "error %s", strerror(errno));
            pid = -2;
        } else
            pid = fork();
        if (pid == 0) {
            int null = open("/dev/null", O_RDWR | O_CLOEXEC);
            setsid(); /* its own process group, for EXEC_SIGNAL */
            dup2(o.stdin_on ? ifd[0] : null, 0);
            dup2(ofd[1], 1);
            dup2(erfd[1], 2);
            child_exec(&id, workdir, o.argv.v, o.env.v, efd[1]);
        }
        if (pid > 0) {
            s->out_fd = ofd[0];
            s->err_fd = erfd[0];
            s->in_fd = ifd[1];
            ofd[0] = erfd[0] = ifd[1] = -1;
            fcntl(s->out_fd, F_SETFL, O_NONBLOCK);
            fcntl(s->err_fd, F_SETFL, O_NONBLOCK);
            if (s->in_fd >= 0)
                fcntl(s->in_fd, F_SETFL, O_NONBLOCK);
        }
        close_fd(&ofd[0]), close_fd(&ofd[1]), close_fd(&erfd[0]), close_fd(&erfd[1]);
        close_fd(&ifd[0]), close_fd(&ifd[1]);
    }
    close_fd(&efd[1]);
    if (pid < 0) {
        if (pid == -1)
            ctl_sendf(T_EXEC_EXIT, chan, "error fork: %s", strerror(errno));
        close_fd(&efd[0]);
        session_close_io(s);
        free(s);
        goto out;
    }
    s->pid = pid;
    s->next = sessions;
    sessions = s;
    nsessions++;
    if (child_wait_exec(efd[0], err, sizeof(err)) < 0) {
        /* The child exits 126/127 and is reaped like any other; the session
         * is already over. */
        s->pid = -pid;
        char text[600];
        snprintf(text, sizeof(text), "error %s", err);
        session_end(s, text);
    }
out:
    strv_free(&o.argv);
    strv_free(&o.env);
    free(o.user);
    free(o.workdir);
}

/* Kill every process of the session: anything whose session id is the
 * session leader's pid (setsid/forkpty made the child a session leader). */
static void kill_session(struct session *s)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    kill(-s->pid, SIGKILL);
    if (!d)
        return;
    while ((e = readdir(d))) {
        char path[300], stat[512];
        if (!is_number(e->d_name))
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, stat, sizeof(stat) - 1);
        close(fd);
        if (n <= 0)
            continue;
        stat[n] = '\0';
        /* fields after "(comm)": state ppid pgrp session */
        char *rp = strrchr(stat, ')');
        int sid;
        if (rp && sscanf(rp + 1, " %*c %*d %*d %d", &sid) == 1 && sid == s->pid)
            kill((pid_t)strtol(e->d_name, NULL, 10), SIGKILL);
    }
    closedir(d);
}

static void session_signal(struct session *s, const char *p, size_t n)
{
    uint64_t sig;
    if (parse_u64(p, n, &sig) < 0 || sig == 0 || sig > 64 || s->exited) {
        if (!s->exited)
            agent_log("exec %u: bad signal '%.*s'", s->chan, (int)(n > 16 ? 16 : n), p);
        return;
    }
    if (sig == SIGKILL) {
        kill_session(s);
        return;
    }
    pid_t pgrp = -1;
    if (s->tty && s->in_fd >= 0)
        pgrp = tcgetpgrp(s->in_fd); /* the terminal's foreground job, as ^C would */
    kill(pgrp > 0 ? -pgrp : -s->pid, (int)sig);
}

void exec_frame(uint8_t type, uint32_t chan, const char *p, size_t n)
{
    if (type == T_EXEC_START) {
        session_start(chan, p, n);
        return;
    }
    struct session *s = find(chan);
    if (!s)
        return; /* the session already ended; late input is harmless */
    switch (type) {
    case T_EXEC_STDIN:
        session_stdin(s, p, n);
        break;
    case T_EXEC_EOF:
        session_eof(s);
        break;
    case T_EXEC_RESIZE: {
        char text[32];
        unsigned rows, cols;
        snprintf(text, sizeof(text), "%.*s", (int)(n < 31 ? n : 31), p);
        if (s->tty && s->in_fd >= 0 && sscanf(text, "%u %u", &rows, &cols) == 2) {
            struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
            ioctl(s->in_fd, TIOCSWINSZ, &ws);
        }
        break;
    }
    case T_EXEC_SIGNAL:
        session_signal(s, p, n);
        break;
    case T_EXEC_CREDIT: {
        uint64_t c;
        if (parse_u64(p, n, &c) == 0)
            s->credit += c;
        break;
    }
    default:
        agent_log("unknown frame type 0x%02x on channel %u", type, chan);
    }
}

void exec_watch(void)
{
    int reading = ctl_backlog() < CTL_OUT_HIGH;
    for (struct session *s = sessions; s; s = s->next)
        if (!s->done)
            session_watch(s, reading);
}

int exec_child_exited(pid_t pid, int status)
{
    for (struct session *s = sessions; s; s = s->next) {
        if (s->pid == -pid) { /* failed exec, already reported */
            s->pid = 0;
            return 1;
        }
        if (s->pid == pid && !s->exited) {
            s->exited = 1;
            s->status = status;
            return 1;
        }
    }
    return 0;
}

void exec_tick(void)
{
    struct session **pp = &sessions;
    while (*pp) {
        struct session *s = *pp;
        if (s->exited && !s->done) {
            /* What the process wrote before it exited is in the pipe now; once
             * that is forwarded the session is over, even if a background
             * child still holds the pipe open. */
            if (!session_output_pending(s)) {
                char text[32];
                status_text(s->status, text, sizeof(text));
                session_end(s, text);
            }
        }
        if (s->done) {
            *pp = s->next;
            nsessions--;
            free(s);
            continue;
        }
        pp = &s->next;
    }
}

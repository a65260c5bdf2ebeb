/* Starting processes as the app's user, and exec sessions (PROTOCOL.md). */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define INITIAL_CREDIT (256u * 1024)
#define STDIN_CREDIT_BATCH (32u * 1024)
#define MAX_SESSIONS 256
#define READ_CHUNK 32768

/* ---- identities: /etc/passwd and /etc/group parsed by hand, because a
 * static glibc cannot load the NSS modules getpwnam() needs ---- */

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

static int is_number(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
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

static int group_lookup(const char *group, gid_t *gid)
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

/* ---- exec sessions ---- */

struct session {
    struct session *next;
    uint32_t chan;
    pid_t pid;
    int tty;
    int in_fd;           /* stdin pipe, or the pty master; -1 when closed */
    int out_fd, err_fd;  /* -1 once at EOF; with a tty out_fd is the master */
    struct buf in;       /* stdin not yet written */
    size_t in_written;   /* stdin written since the last EXEC_STDIN_CREDIT */
    int eof_pending;     /* EXEC_EOF received: close stdin once `in` drains */
    uint64_t credit;
    int exited, status;
    int done;            /* EXEC_EXIT sent; freed at the end of the loop turn */
};

static struct session *sessions;
static int nsessions;

static struct session *find(uint32_t chan)
{
    for (struct session *s = sessions; s; s = s->next)
        if (s->chan == chan && !s->done)
            return s;
    return NULL;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void session_close_io(struct session *s)
{
    if (s->tty) {
        /* in_fd and out_fd share the master */
        if (s->out_fd < 0)
            s->out_fd = s->in_fd;
        s->in_fd = -1;
        close_fd(&s->out_fd);
    } else {
        close_fd(&s->in_fd);
        close_fd(&s->out_fd);
        close_fd(&s->err_fd);
    }
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

static void flush_stdin(struct session *s)
{
    while (s->in_fd >= 0 && s->in.len) {
        ssize_t w = write(s->in_fd, s->in.data, s->in.len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return;
        if (w <= 0) {
            s->in_written += s->in.len; /* the reader is gone: what is left counts as consumed */
            s->in.len = 0;
            if (!s->tty)
                close_fd(&s->in_fd);
            break;
        }
        buf_consume(&s->in, (size_t)w);
        s->in_written += (size_t)w;
    }
    /* Give the host back what the process consumed, in batches, so it can send more. */
    if (s->in_written && (s->in_written >= STDIN_CREDIT_BATCH || s->in.len == 0)) {
        ctl_sendf(T_EXEC_STDIN_CREDIT, s->chan, "%zu", s->in_written);
        s->in_written = 0;
    }
    if (s->eof_pending && s->in.len == 0) {
        s->eof_pending = 0;
        if (s->tty && s->in_fd >= 0) {
            struct termios t;
            char eof = 4; /* ^D */
            if (tcgetattr(s->in_fd, &t) == 0 && t.c_cc[VEOF])
                eof = (char)t.c_cc[VEOF];
            if (write(s->in_fd, &eof, 1) < 0)
                agent_log("exec %u: EOF: %s", s->chan, strerror(errno));
        } else if (!s->tty)
            close_fd(&s->in_fd);
    }
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
        if (s->in_fd >= 0 && !s->exited) {
            buf_append(&s->in, p, n);
            flush_stdin(s);
        }
        break;
    case T_EXEC_EOF:
        s->eof_pending = 1;
        flush_stdin(s);
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

/* Reads one chunk of output (bounded by the credit) and forwards it. */
static void forward(struct session *s, int *fd, uint8_t type)
{
    char chunk[READ_CHUNK];
    size_t want = s->credit < sizeof(chunk) ? (size_t)s->credit : sizeof(chunk);
    if (want == 0)
        return;
    ssize_t n = read(*fd, chunk, want);
    if (n > 0) {
        s->credit -= (uint64_t)n;
        ctl_send(type, s->chan, chunk, (size_t)n);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        /* EOF; a pty master reports EIO once the last slave is closed */
        if (s->tty)
            s->in_fd = -1;
        close_fd(fd);
    }
}

static void out_event(void *ctx, short revents)
{
    struct session *s = ctx;
    if (s->done)
        return;
    if (revents & POLLOUT)
        flush_stdin(s);
    if (revents & (POLLIN | POLLHUP | POLLERR))
        forward(s, &s->out_fd, T_EXEC_STDOUT);
}

static void err_event(void *ctx, short revents)
{
    struct session *s = ctx;
    (void)revents;
    if (!s->done)
        forward(s, &s->err_fd, T_EXEC_STDERR);
}

static void in_event(void *ctx, short revents)
{
    struct session *s = ctx;
    (void)revents;
    if (!s->done)
        flush_stdin(s);
}

void exec_watch(void)
{
    int reading = ctl_backlog() < CTL_OUT_HIGH;
    for (struct session *s = sessions; s; s = s->next) {
        if (s->done)
            continue;
        short rd = reading && s->credit > 0 ? POLLIN : 0;
        if (s->tty) {
            short ev = rd | (s->in.len ? POLLOUT : 0);
            if (s->out_fd >= 0 && ev)
                watch(s->out_fd, ev, out_event, s);
            continue;
        }
        if (s->out_fd >= 0 && rd)
            watch(s->out_fd, rd, out_event, s);
        if (s->err_fd >= 0 && rd)
            watch(s->err_fd, rd, err_event, s);
        if (s->in_fd >= 0 && s->in.len)
            watch(s->in_fd, POLLOUT, in_event, s);
    }
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

static int output_pending(int fd)
{
    int n = 0;
    return fd >= 0 && ioctl(fd, FIONREAD, &n) == 0 && n > 0;
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
            if (!output_pending(s->out_fd) && !output_pending(s->err_fd)) {
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

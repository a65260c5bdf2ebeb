/* The streams of exec sessions, both directions flow-controlled by credit
 * (PROTOCOL.md) so the control channel never blocks. */
#include "exec_session.h"
#include "control.h"
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define STDIN_CREDIT_BATCH (32u * 1024)
#define READ_CHUNK 32768

void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

void session_close_io(struct session *s)
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

void session_stdin(struct session *s, const char *p, size_t n)
{
    if (s->in_fd >= 0 && !s->exited) {
        buf_append(&s->in, p, n);
        flush_stdin(s);
    }
}

void session_eof(struct session *s)
{
    s->eof_pending = 1;
    flush_stdin(s);
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

void session_watch(struct session *s, int reading)
{
    short rd = reading && s->credit > 0 ? POLLIN : 0;
    if (s->tty) {
        short ev = rd | (s->in.len ? POLLOUT : 0);
        if (s->out_fd >= 0 && ev)
            watch(s->out_fd, ev, out_event, s);
        return;
    }
    if (s->out_fd >= 0 && rd)
        watch(s->out_fd, rd, out_event, s);
    if (s->err_fd >= 0 && rd)
        watch(s->err_fd, rd, err_event, s);
    if (s->in_fd >= 0 && s->in.len)
        watch(s->in_fd, POLLOUT, in_event, s);
}

static int output_pending(int fd)
{
    int n = 0;
    return fd >= 0 && ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}

int session_output_pending(const struct session *s)
{
    return output_pending(s->out_fd) || output_pending(s->err_fd);
}

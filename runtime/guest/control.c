/* The control channel to the host (a virtio-serial port, PROTOCOL.md). */
#include "control.h"
#include "loop.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ctl_fd = -1;
static struct buf out, in;
static frame_fn frame_handlers[256];
/* While the host is not connected the port reports POLLHUP continuously:
 * look again at this time instead of spinning. */
static int64_t ctl_retry_at;

static int find_port(const char *name, char *dev, size_t devlen)
{
    DIR *d = opendir("/sys/class/virtio-ports");
    struct dirent *e;
    int found = 0;
    if (!d)
        return 0;
    while (!found && (e = readdir(d))) {
        char path[300], val[128];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
        if (read_text(path, val, sizeof(val)) > 0 && strcmp(val, name) == 0) {
            snprintf(dev, devlen, "/dev/%s", e->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found;
}

void ctl_open(const char *port_name)
{
    char dev[300];
    /* The port's name arrives over virtio-serial's own control queue a moment
     * after the driver loads, and devtmpfs creates the node after that. */
    for (int i = 0; i < 1000; i++) {
        if (find_port(port_name, dev, sizeof(dev))) {
            ctl_fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
            if (ctl_fd >= 0)
                return;
        }
        usleep(10000);
    }
    die_soft("no virtio-serial port named lttle.control");
}

void ctl_on(uint8_t type, frame_fn fn)
{
    frame_handlers[type] = fn;
}

/* PING: the host checks that the agent's loop is alive. */
void ctl_ping(uint8_t type, uint32_t chan, const char *p, size_t n)
{
    (void)type;
    (void)chan;
    ctl_send(T_PONG, 0, p, n);
}

void ctl_send(uint8_t type, uint32_t chan, const void *p, size_t n)
{
    uint8_t h[FRAME_HEADER] = {
        type,
        (uint8_t)(chan >> 24), (uint8_t)(chan >> 16), (uint8_t)(chan >> 8), (uint8_t)chan,
        (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n,
    };
    buf_append(&out, h, sizeof(h));
    buf_append(&out, p, n);
}

/* vsnprintf clamped to the buffer: the length of what is in `text`, or -1. */
static int vformat(char *text, size_t size, const char *fmt, va_list ap)
{
    int n = vsnprintf(text, size, fmt, ap);
    if (n < 0)
        return -1;
    return (size_t)n < size ? n : (int)size - 1;
}

void ctl_sendf(uint8_t type, uint32_t chan, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vformat(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n >= 0)
        ctl_send(type, chan, text, (size_t)n);
}

void agent_log(const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vformat(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    dprintf(2, "lttle-init: %s\n", text);
    ctl_send(T_AGENT_LOG, 0, text, (size_t)n);
}

size_t ctl_backlog(void)
{
    return out.len;
}

void ctl_flush(void)
{
    while (ctl_fd >= 0 && out.len) {
        /* virtio_console copies at most 32 KiB per write anyway */
        size_t n = out.len < 32768 ? out.len : 32768;
        ssize_t w = write(ctl_fd, out.data, n);
        if (w <= 0)
            break;
        buf_consume(&out, (size_t)w);
    }
}

static void host_gone(void)
{
    /* A partial frame from a host that went away means nothing to the next one. */
    in.len = 0;
    ctl_retry_at = now_ms() + 100;
}

static void ctl_read(void)
{
    char chunk[65536];
    ssize_t n = read(ctl_fd, chunk, sizeof(chunk));
    if (n == 0) {
        host_gone();
        return;
    }
    if (n < 0)
        return;
    buf_append(&in, chunk, (size_t)n);
    size_t off = 0;
    while (in.len - off >= FRAME_HEADER) {
        const uint8_t *h = (const uint8_t *)in.data + off;
        uint32_t chan = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
        uint32_t len = (uint32_t)h[5] << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 8 | h[8];
        if (len > FRAME_MAX_PAYLOAD) {
            agent_log("frame of %u bytes exceeds the limit; dropping input", len);
            in.len = 0;
            return;
        }
        if (in.len - off < FRAME_HEADER + (size_t)len)
            break;
        if (frame_handlers[h[0]])
            frame_handlers[h[0]](h[0], chan, in.data + off + FRAME_HEADER, len);
        else
            agent_log("unknown frame type 0x%02x", h[0]);
        off += FRAME_HEADER + len;
    }
    buf_consume(&in, off);
}

static void ctl_event(void *ctx, short revents)
{
    (void)ctx;
    if (revents & POLLIN)
        ctl_read();
    if (revents & POLLOUT)
        ctl_flush();
    if ((revents & (POLLHUP | POLLERR)) && !(revents & POLLIN))
        host_gone();
}

void ctl_watch(void)
{
    if (ctl_fd < 0)
        return;
    if (now_ms() < ctl_retry_at) {
        wake_at(ctl_retry_at);
        return;
    }
    /* Always read: session stdin is credited (EXEC_STDIN_CREDIT), so the host
     * never sends more than a session can hold, and the output credit that
     * frees a blocked session must always get through. */
    short ev = POLLIN;
    if (out.len)
        ev |= POLLOUT;
    watch(ctl_fd, ev, ctl_event, NULL);
}

void ctl_drain(int timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;
    while (ctl_fd >= 0 && out.len && now_ms() < end) {
        struct pollfd p = {.fd = ctl_fd, .events = POLLOUT};
        if (poll(&p, 1, 50) > 0 && (p.revents & POLLOUT))
            ctl_flush();
    }
}

/* "Records" payloads: key=value strings, each NUL-terminated. */
void records_each(const char *payload, size_t len, record_fn fn, void *ctx)
{
    char *copy = malloc(len + 1);
    if (!copy)
        die_soft("out of memory");
    memcpy(copy, payload, len);
    copy[len] = '\0'; /* tolerate a missing final terminator */
    for (size_t off = 0; off < len;) {
        char *rec = copy + off;
        size_t rlen = strlen(rec);
        off += rlen + 1;
        if (rlen == 0)
            continue;
        char *eq = strchr(rec, '=');
        if (!eq) {
            agent_log("ignoring record without '=': %.64s", rec);
            continue;
        }
        *eq = '\0';
        fn(ctx, rec, eq + 1);
    }
    free(copy);
}

void record_add(struct buf *b, const char *key, const char *val)
{
    buf_append(b, key, strlen(key));
    buf_append(b, "=", 1);
    buf_append(b, val, strlen(val) + 1); /* with its NUL terminator */
}

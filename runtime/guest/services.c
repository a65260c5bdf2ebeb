/* Internal services of other apps (see services.h). */
#include "services.h"
#include "control.h"
#include "loop.h"
#include "net.h"
#include "steer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* QEMU forwards guest connections to this address and port to the daemon
 * (one guestfwd per machine, fixed at boot; docs/architecture.md, "Internal
 * services"). */
#define GATEWAY_ADDR "10.0.2.100"
#define GATEWAY_PORT 1
#define MAX_SERVICES 1024

struct service {
    char *host; /* <app>-<service>.<namespace>.svc.lttle.local; NULL: free slot */
    uint16_t port;
    int fd;     /* listening on 127.77.X.Y:port, -1 when not */
    int seen;   /* named by the latest SERVICES */
};
/* A name keeps its slot, so its address (from the slot) stays the same while
 * it exists: a client that resolved it earlier still reaches it. */
static struct service svcs[MAX_SERVICES];
/* The one listener all of 127.77.0.0/16 is steered to (steer.h); -1 when the
 * kernel cannot steer, then each service has its own listener, which takes
 * its port on every address from the app. */
static int steered = -1;
static int steer_tried;

static uint32_t slot_addr(int i)
{
    return (uint32_t)127 << 24 | (uint32_t)77 << 16 | (uint32_t)(i + 1);
}

static void stop_listening(struct service *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static void service_record(void *ctx, const char *key, const char *val)
{
    (void)ctx;
    const char *colon = strrchr(val, ':');
    uint64_t port;
    if (strcmp(key, "service") != 0 || !colon || colon == val ||
        parse_u64(colon + 1, strlen(colon + 1), &port) < 0 || port == 0 || port > 65535) {
        agent_log("ignoring SERVICES record '%.64s=%.64s'", key, val);
        return;
    }
    size_t hlen = (size_t)(colon - val);
    int free_slot = -1;
    for (int i = 0; i < MAX_SERVICES; i++) {
        struct service *s = &svcs[i];
        if (!s->host) {
            if (free_slot < 0)
                free_slot = i;
            continue;
        }
        if (strlen(s->host) == hlen && strncmp(s->host, val, hlen) == 0) {
            if (s->port != port)
                stop_listening(s);
            s->port = (uint16_t)port;
            s->seen = 1;
            return;
        }
    }
    if (free_slot < 0) {
        agent_log("more than %d internal services: ignoring %.64s", MAX_SERVICES, val);
        return;
    }
    svcs[free_slot] = (struct service){.host = strndup(val, hlen), .port = (uint16_t)port, .fd = -1, .seen = 1};
}

static int listen_on(uint32_t addr, uint16_t port, const char *what)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(addr)};
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 128) < 0) {
        agent_log("listening for %s:%u: %s", what, port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void steer_init(void)
{
    steer_tried = 1;
    /* 127.77.0.0 is no service's address; port 1 is the least likely to be an app's */
    steered = listen_on(slot_addr(-1), 1, "the internal services");
    if (steered >= 0 && steer_to(steered) < 0) {
        close(steered);
        steered = -1;
    }
    if (steered < 0)
        agent_log("internal services: one listener per service (an app cannot listen on their ports)");
}

void services_frame(uint8_t type, uint32_t chan, const char *p, size_t n)
{
    struct buf hosts = {0};
    (void)type;
    (void)chan;
    for (int i = 0; i < MAX_SERVICES; i++)
        svcs[i].seen = 0;
    records_each(p, n, service_record, NULL);
    if (!steer_tried)
        steer_init();
    for (int i = 0; i < MAX_SERVICES; i++) {
        struct service *s = &svcs[i];
        if (s->host && !s->seen) {
            stop_listening(s);
            free(s->host);
            s->host = NULL;
        }
        if (!s->host)
            continue;
        if (steered < 0 && s->fd < 0)
            s->fd = listen_on(slot_addr(i), s->port, s->host);
        char line[320];
        int len = snprintf(line, sizeof(line), "127.77.%u.%u\t%s\n", (slot_addr(i) >> 8) & 0xff,
                           slot_addr(i) & 0xff, s->host);
        buf_append(&hosts, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
    }
    buf_append(&hosts, "", 1);
    net_hosts(hosts.data);
    buf_free(&hosts);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copies both ways until both sides have finished sending; an end of one
 * direction is passed on as a half close. */
static void pump(int a, int b)
{
    int fds[2] = {a, b}, open[2] = {1, 1};
    static char chunk[65536];
    while (open[0] || open[1]) {
        struct pollfd p[2] = {{.fd = open[0] ? a : -1, .events = POLLIN},
                              {.fd = open[1] ? b : -1, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        for (int i = 0; i < 2; i++) {
            if (!p[i].revents)
                continue;
            ssize_t r = read(fds[i], chunk, sizeof(chunk));
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                return; /* a reset: closing both ends passes it on */
            if (r == 0) {
                open[i] = 0;
                shutdown(fds[1 - i], SHUT_WR);
            } else if (write_all(fds[1 - i], chunk, (size_t)r) < 0) {
                return;
            }
        }
    }
}

/* The forked forwarder of one connection: the gateway, the header naming
 * the service (the host checks it), then the bytes. Never returns. */
static void __attribute__((noreturn)) forward(int client, const struct service *s)
{
    char head[320];
    int hlen = snprintf(head, sizeof(head), "%s:%u\n", s->host, s->port);
    struct sockaddr_in gw = {.sin_family = AF_INET, .sin_port = htons(GATEWAY_PORT)};
    sigset_t none;
    int one = 1;
    /* Nothing of the agent's (control port, listeners, sessions) stays open here. */
    if (dup2(client, 3) < 0)
        _exit(1);
    close_range(4, ~0U, 0);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    inet_pton(AF_INET, GATEWAY_ADDR, &gw.sin_addr);
    int up = socket(AF_INET, SOCK_STREAM, 0);
    if (up < 0 || connect(up, (struct sockaddr *)&gw, sizeof(gw)) < 0 ||
        hlen <= 0 || (size_t)hlen >= sizeof(head) || write_all(up, head, (size_t)hlen) < 0)
        _exit(1);
    setsockopt(3, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    pump(3, up);
    _exit(0);
}

/* One forked forwarder per connection; the reaper (app.c) collects it, and
 * it is neither the app nor an exec session. */
static void forward_connection(int c, const struct service *s)
{
    pid_t pid = fork();
    if (pid == 0)
        forward(c, s);
    if (pid < 0)
        agent_log("forwarding a connection to %s: fork: %s", s->host, strerror(errno));
    close(c);
}

static void service_accept(void *ctx, short revents)
{
    const struct service *s = ctx;
    (void)revents;
    int c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
    if (c >= 0)
        forward_connection(c, s);
}

/* A connection steered to the one listener: the address and port the client
 * connected to name the service. */
static void steered_accept(void *ctx, short revents)
{
    struct sockaddr_in to;
    socklen_t len = sizeof(to);
    (void)ctx;
    (void)revents;
    int c = accept4(steered, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return;
    if (getsockname(c, (struct sockaddr *)&to, &len) == 0) {
        uint32_t addr = ntohl(to.sin_addr.s_addr);
        int i = (int)(addr - slot_addr(0));
        if (i >= 0 && i < MAX_SERVICES && svcs[i].host && svcs[i].port == ntohs(to.sin_port)) {
            forward_connection(c, &svcs[i]);
            return;
        }
    }
    close(c); /* no such service at this address and port: the client sees a reset */
}

void services_watch(void)
{
    if (steered >= 0) {
        watch(steered, POLLIN, steered_accept, NULL);
        return;
    }
    for (int i = 0; i < MAX_SERVICES; i++)
        if (svcs[i].host && svcs[i].fd >= 0)
            watch(svcs[i].fd, POLLIN, service_accept, &svcs[i]);
}

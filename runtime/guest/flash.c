/* Flash mode inside the guest: the lock socket, the manual trigger and the
 * listen strategies. */
#include "flash.h"
#include "control.h"
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define FLASH_DIR "/run/lttle"
#define FLASH_SOCK FLASH_DIR "/flash.sock"
#define MAX_CONNS 1024
#define LISTEN_POLL_MS 50

enum strategy { S_NONE, S_MANUAL, S_FIRST_LISTEN, S_NTH_LISTEN, S_LISTEN_ON_PORT, S_USER_SPACE_READY };

static enum strategy strategy = S_NONE;
static unsigned strategy_arg;
static int fired;
static int64_t next_listen_poll;

static int listen_fd = -1;
static struct conn {
    int fd;
    unsigned long locks;
} conns[MAX_CONNS];
static unsigned long total_locks;

/* Ports seen listening, in order of appearance (for nth-listen). */
static unsigned seen_ports[64];
static unsigned nseen;

static void fire(const char *reason)
{
    if (fired || strategy == S_NONE)
        return;
    fired = 1;
    /* The snapshot the host takes next holds the page cache; if it is ever
     * discarded (a redeploy of a deep-suspended app), whatever the app wrote
     * during start-up without fsync must already be on the volumes. */
    sync();
    ctl_sendf(T_FLASH, 0, "%s", reason);
}

static void locks_changed(unsigned long before)
{
    if ((before == 0) != (total_locks == 0))
        ctl_sendf(T_LOCKS, 0, "%lu", total_locks);
}

void flash_init(void)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    mkdir(FLASH_DIR, 0755);
    unlink(FLASH_SOCK);
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", FLASH_SOCK);
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(listen_fd, 128) < 0) {
        agent_log("flash socket %s: %s", FLASH_SOCK, strerror(errno));
        if (listen_fd >= 0)
            close(listen_fd);
        listen_fd = -1;
        return;
    }
    /* Any user may take locks: the app usually does not run as root. */
    chmod(FLASH_SOCK, 0666);
    for (int i = 0; i < MAX_CONNS; i++)
        conns[i].fd = -1;
}

void flash_configure(const char *s)
{
    unsigned n;
    if (!s || !*s || strcmp(s, "none") == 0)
        strategy = S_NONE;
    else if (strcmp(s, "manual") == 0)
        strategy = S_MANUAL;
    else if (strcmp(s, "first-listen") == 0)
        strategy = S_FIRST_LISTEN;
    else if (sscanf(s, "nth-listen:%u", &n) == 1 && n > 0)
        strategy = S_NTH_LISTEN, strategy_arg = n;
    else if (sscanf(s, "listen-on-port:%u", &n) == 1 && n > 0 && n < 65536)
        strategy = S_LISTEN_ON_PORT, strategy_arg = n;
    else if (strcmp(s, "user-space-ready") == 0)
        strategy = S_USER_SPACE_READY;
    else {
        agent_log("unknown flash strategy '%s'; flash disabled", s);
        strategy = S_NONE;
    }
}

void flash_app_started(void)
{
    if (strategy == S_USER_SPACE_READY)
        fire("user-space-ready");
}

static void conn_close(struct conn *c)
{
    unsigned long before = total_locks;
    close(c->fd);
    c->fd = -1;
    total_locks -= c->locks;
    c->locks = 0;
    locks_changed(before);
}

static void conn_event(void *ctx, short revents)
{
    struct conn *c = ctx;
    char cmds[256];
    if (c->fd < 0)
        return; /* closed earlier in this loop turn */
    ssize_t n = (revents & (POLLIN | POLLHUP | POLLERR)) ? read(c->fd, cmds, sizeof(cmds)) : -1;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        conn_close(c);
        return;
    }
    unsigned long before = total_locks;
    for (ssize_t i = 0; i < n; i++) {
        switch (cmds[i]) {
        case 'L':
            c->locks++;
            total_locks++;
            break;
        case 'U':
            if (c->locks) {
                c->locks--;
                total_locks--;
            }
            break;
        case 'R':
            if (strategy == S_MANUAL)
                fire("manual");
            break;
        default:
            break; /* unknown commands are ignored (newlines from `echo R`...) */
        }
    }
    locks_changed(before);
}

static void accept_event(void *ctx, short revents)
{
    (void)ctx;
    (void)revents;
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        int i;
        for (i = 0; i < MAX_CONNS && conns[i].fd >= 0; i++)
            ;
        if (i == MAX_CONNS) {
            agent_log("too many flash socket connections");
            close(fd);
            continue;
        }
        conns[i].fd = fd;
        conns[i].locks = 0;
    }
}

/* Listening TCP ports the host can reach (loopback-only listeners cannot be
 * reached through the host's port forwards, so they do not count). */
static void scan_listeners(const char *path, int v6)
{
    FILE *f = fopen(path, "re");
    char line[512];
    if (!f)
        return;
    if (!fgets(line, sizeof(line), f)) { /* header */
        fclose(f);
        return;
    }
    while (fgets(line, sizeof(line), f)) {
        char addr[64];
        unsigned port, state;
        if (sscanf(line, " %*u: %63[0-9A-Fa-f]:%x %*64[0-9A-Fa-f]:%*x %x", addr, &port, &state) != 3)
            continue;
        if (state != 0x0A) /* TCP_LISTEN */
            continue;
        size_t alen = strlen(addr);
        /* Kernel order: 32-bit words in host (little-endian) byte order. */
        if (!v6 && alen == 8 && strncasecmp(addr + 6, "7F", 2) == 0)
            continue; /* 127.0.0.0/8 */
        if (v6 && alen == 32 && (strcasecmp(addr, "00000000000000000000000001000000") == 0 ||
                                 (strncasecmp(addr, "0000000000000000FFFF0000", 24) == 0 &&
                                  strncasecmp(addr + 30, "7F", 2) == 0)))
            continue; /* ::1, ::ffff:127.0.0.0/104 */
        unsigned i;
        for (i = 0; i < nseen && seen_ports[i] != port; i++)
            ;
        if (i == nseen && nseen < sizeof(seen_ports) / sizeof(seen_ports[0]))
            seen_ports[nseen++] = port;
    }
    fclose(f);
}

void flash_tick(void)
{
    char reason[64];
    if (fired || !cfg.received ||
        (strategy != S_FIRST_LISTEN && strategy != S_NTH_LISTEN && strategy != S_LISTEN_ON_PORT))
        return;
    int64_t now = now_ms();
    if (now < next_listen_poll) {
        wake_at(next_listen_poll);
        return;
    }
    next_listen_poll = now + LISTEN_POLL_MS;
    wake_at(next_listen_poll);

    scan_listeners("/proc/net/tcp", 0);
    scan_listeners("/proc/net/tcp6", 1);
    switch (strategy) {
    case S_FIRST_LISTEN:
        if (nseen >= 1) {
            snprintf(reason, sizeof(reason), "first-listen:%u", seen_ports[0]);
            fire(reason);
        }
        break;
    case S_NTH_LISTEN:
        if (nseen >= strategy_arg) {
            snprintf(reason, sizeof(reason), "nth-listen:%u", seen_ports[strategy_arg - 1]);
            fire(reason);
        }
        break;
    case S_LISTEN_ON_PORT:
        for (unsigned i = 0; i < nseen; i++) {
            if (seen_ports[i] == strategy_arg) {
                snprintf(reason, sizeof(reason), "listen-on-port:%u", strategy_arg);
                fire(reason);
            }
        }
        break;
    default:
        break;
    }
}

void flash_watch(void)
{
    if (listen_fd < 0)
        return;
    watch(listen_fd, POLLIN, accept_event, NULL);
    for (int i = 0; i < MAX_CONNS; i++)
        if (conns[i].fd >= 0)
            watch(conns[i].fd, POLLIN, conn_event, &conns[i]);
}

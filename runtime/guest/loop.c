/* The agent's one poll() loop (see loop.h). */
#include "loop.h"

#include <poll.h>

struct config cfg;

#define MAX_WATCH 2048
#define MAX_HOOKS 16

/* The fds of this turn, rebuilt by the hooks every turn. */
static struct pollfd pfds[MAX_WATCH];
static struct {
    watch_fn fn;
    void *ctx;
} handlers[MAX_WATCH];
static int nwatch;
static int64_t next_wake;

static struct {
    hook_fn prepare, after;
} hooks[MAX_HOOKS];
static int nhooks;

void watch(int fd, short events, watch_fn fn, void *ctx)
{
    if (nwatch == MAX_WATCH)
        return;
    pfds[nwatch] = (struct pollfd){.fd = fd, .events = events};
    handlers[nwatch].fn = fn;
    handlers[nwatch].ctx = ctx;
    nwatch++;
}

void wake_at(int64_t ms)
{
    if (next_wake < 0 || ms < next_wake)
        next_wake = ms;
}

void loop_hook(hook_fn prepare, hook_fn after)
{
    if (nhooks == MAX_HOOKS)
        die_soft("too many loop hooks");
    hooks[nhooks].prepare = prepare;
    hooks[nhooks].after = after;
    nhooks++;
}

void loop_run(void)
{
    for (;;) {
        nwatch = 0;
        next_wake = -1;
        for (int i = 0; i < nhooks; i++)
            if (hooks[i].prepare)
                hooks[i].prepare();

        int timeout = -1;
        if (next_wake >= 0) {
            int64_t d = next_wake - now_ms();
            timeout = d < 0 ? 0 : d > 60000 ? 60000 : (int)d;
        }
        int n = poll(pfds, (nfds_t)nwatch, timeout);
        for (int i = 0; n > 0 && i < nwatch; i++)
            if (pfds[i].revents)
                handlers[i].fn(handlers[i].ctx, pfds[i].revents);

        for (int i = 0; i < nhooks; i++)
            if (hooks[i].after)
                hooks[i].after();
    }
}

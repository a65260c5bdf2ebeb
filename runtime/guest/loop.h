/* The agent's one poll() loop, and the app's configuration that its units
 * share. Nothing in the agent blocks for long: each turn, every hook's
 * `prepare` registers the fds it waits on (watch) and when it next wants to
 * run (wake_at); then one poll(), the handlers of the ready fds, and every
 * hook's `after`, all in the order the hooks were added. */
#ifndef LTTLE_LOOP_H
#define LTTLE_LOOP_H

#include "util.h"

typedef void (*watch_fn)(void *ctx, short revents);
/* For this turn only: call fn when fd is ready for events. */
void watch(int fd, short events, watch_fn fn, void *ctx);
/* Poll at the latest at this monotonic time (now_ms) in this turn. */
void wake_at(int64_t ms);

typedef void (*hook_fn)(void);
void loop_hook(hook_fn prepare, hook_fn after);
void loop_run(void) __attribute__((noreturn));

/* The app's configuration (CONFIG, see config.c), shared with exec sessions
 * and the flash strategies. */
struct config {
    struct strv argv, env;
    char *user, *workdir, *hostname, *flash;
    int received;
};
extern struct config cfg;

#endif

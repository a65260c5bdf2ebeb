/* The app's stdout and stderr, forwarded to the host as LOG frames on
 * channels 1 and 2 as they come. */
#include "logs.h"
#include "control.h"
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

static int app_out = -1, app_err = -1;

void logs_attach(int out, int err)
{
    app_out = out;
    app_err = err;
    fcntl(app_out, F_SETFL, O_NONBLOCK);
    fcntl(app_err, F_SETFL, O_NONBLOCK);
}

/* One chunk, or with drain everything up to EAGAIN or EOF. */
static void app_read(int *fd, int drain)
{
    char chunk[65536];
    uint32_t chan = fd == &app_out ? 1 : 2;
    while (*fd >= 0) {
        ssize_t n = read(*fd, chunk, sizeof(chunk));
        if (n > 0) {
            ctl_send(T_LOG, chan, chunk, (size_t)n);
            if (drain)
                continue;
            return;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        close(*fd);
        *fd = -1;
    }
}

void logs_drain(void)
{
    app_read(&app_out, 1);
    app_read(&app_err, 1);
}

static void app_event(void *ctx, short revents)
{
    (void)revents;
    app_read(ctx, 0);
}

void logs_watch(void)
{
    /* Past the backlog limit the app blocks on its pipes instead. */
    if (ctl_backlog() >= CTL_OUT_HIGH)
        return;
    if (app_out >= 0)
        watch(app_out, POLLIN, app_event, &app_out);
    if (app_err >= 0)
        watch(app_err, POLLIN, app_event, &app_err);
}

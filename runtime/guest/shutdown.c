/* SHUTDOWN (see shutdown.h): the app gets its stop signal and a grace
 * period, then every process is killed, volumes are unmounted and the
 * machine powers off. */
#include "shutdown.h"
#include "app.h"
#include "control.h"
#include "loop.h"
#include "volume.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

static int shutting_down;
static int64_t shutdown_deadline;
static int shutdown_killed;

static void __attribute__((noreturn)) power_off(void)
{
    int status;
    /* Whatever is left (exec sessions, daemons the app left behind) goes now,
     * and must be gone before its files' filesystems are unmounted. */
    kill(-1, SIGKILL);
    for (int64_t end = now_ms() + 3000; now_ms() < end;) {
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == ECHILD)
            break;
        if (pid == 0)
            usleep(5000);
    }
    ctl_flush();
    ctl_drain(2000);
    sync();
    volumes_unmount();
    mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL);
    sync();
    console_log("power off");
    reboot(RB_POWER_OFF);
    for (;;)
        pause();
}

void shutdown_frame(uint8_t type, uint32_t chan, const char *p, size_t n)
{
    char text[64];
    int sig = SIGTERM, grace = 10;
    (void)type;
    (void)chan;
    snprintf(text, sizeof(text), "%.*s", (int)(n < 63 ? n : 63), p);
    if (sscanf(text, "%d %d", &sig, &grace) < 1 || sig <= 0 || sig > 64)
        agent_log("bad SHUTDOWN '%s'; using %d %d", text, SIGTERM, 10), sig = SIGTERM;
    if (grace < 0)
        grace = 0;
    if (shutting_down)
        return;
    shutting_down = 1;
    console_log("shutdown: signal %d, grace %d s", sig, grace);
    app_signal(sig);
    shutdown_deadline = now_ms() + (int64_t)grace * 1000;
}

void shutdown_tick(void)
{
    if (!shutting_down)
        return;
    if (!app_running())
        power_off();
    if (now_ms() >= shutdown_deadline) {
        if (shutdown_killed)
            power_off(); /* not even SIGKILL got it reaped: give up on it */
        agent_log("grace period over: killing every process");
        kill(-1, SIGKILL);
        shutdown_killed = 1;
        shutdown_deadline = now_ms() + 2000;
    }
    wake_at(shutdown_deadline);
}

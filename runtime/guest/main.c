/*
 * lttle-init: PID 1 of every lttle VM (PROTOCOL.md is the contract).
 *
 * Boot: mount the kernel filesystems, load the virtio modules, open the
 * control port, mount the disk with serial "root" and switch into it, set up
 * /run, /tmp, /dev/pts..., the network, the flash socket. Then one poll() loop
 * (loop.c): the host's frames (CONFIG starts the app), child exits, exec
 * sessions, flash locks, the app's output. This file only wires the units
 * together: which unit handles which frame, and the order of a loop turn.
 *
 * The units, each calling only those listed before it:
 *   util     buffers, string vectors, small files, console, time
 *   loop     the poll loop (watch, wake_at, hooks) and the shared config
 *   control  the control channel: frames, records, AGENT_LOG
 *   proc     identities from /etc/passwd, fork/exec as a user
 *   boot     kernel filesystems, modules, disks by serial, the root switch
 *   net      eth0, host name, /etc/hosts
 *   volume   the app's volumes: mounts, online grow, usage
 *   reclaim  memory handed back before a deep snapshot
 *   flash    the lock socket, the flash trigger and strategies
 *   exec_io, exec   exec sessions: streams and credit; lifecycle and frames
 *   logs     the app's stdout/stderr as LOG frames
 *   services other apps' internal services: /etc/hosts, listeners, forwarders
 *   app      the app's main process, reaping children
 *   config, shutdown   the CONFIG/CLOCK and SHUTDOWN frames
 */
#include "agent.h"
#include "app.h"
#include "boot.h"
#include "config.h"
#include "control.h"
#include "exec.h"
#include "flash.h"
#include "logs.h"
#include "loop.h"
#include "net.h"
#include "reclaim.h"
#include "services.h"
#include "shutdown.h"
#include "volume.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    if (getpid() != 1) {
        fprintf(stderr, "lttle-init: runs only as PID 1 of an lttle VM\n");
        return 1;
    }
    console_start();
    boot_early();
    signal(SIGPIPE, SIG_IGN);
    app_init();

    boot_modules();
    console_log("modules loaded");
    ctl_open("lttle.control");
    boot_root();
    net_setup();
    flash_init();

    ctl_on(T_CONFIG, config_frame);
    ctl_on(T_CLOCK, clock_frame);
    ctl_on(T_SHUTDOWN, shutdown_frame);
    ctl_on(T_PING, ctl_ping);
    ctl_on(T_VOLUME_GROW, volume_grow_frame);
    ctl_on(T_VOLUME_USAGE, volume_usage_frame);
    ctl_on(T_SERVICES, services_frame);
    ctl_on(T_RECLAIM, reclaim_frame);
    for (uint8_t t = T_EXEC_START; t <= T_EXEC_CREDIT; t++)
        ctl_on(t, exec_frame);

    /* A loop turn: each `prepare` in this order, poll, the ready fds'
     * handlers, then each `after` in this order. */
    loop_hook(app_watch, NULL);     /* child exits first: their output is drained */
    loop_hook(ctl_watch, NULL);
    loop_hook(flash_watch, NULL);
    loop_hook(exec_watch, exec_tick);
    loop_hook(logs_watch, NULL);
    loop_hook(services_watch, NULL);
    loop_hook(flash_tick, NULL);
    loop_hook(shutdown_tick, NULL);
    loop_hook(NULL, ctl_flush);     /* last: what this turn queued goes out now */

    console_log("ready, waiting for CONFIG");
    loop_run();
}

/* CONFIG and CLOCK (see config.h). */
#include "config.h"
#include "app.h"
#include "control.h"
#include "flash.h"
#include "loop.h"
#include "net.h"
#include "volume.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void set_clock(const char *p, size_t n)
{
    uint64_t ns;
    struct timespec ts;
    if (parse_u64(p, n, &ns) < 0) {
        agent_log("bad clock value '%.*s'", (int)(n > 32 ? 32 : n), p);
        return;
    }
    ts.tv_sec = (time_t)(ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    if (clock_settime(CLOCK_REALTIME, &ts) < 0)
        agent_log("setting the clock: %s", strerror(errno));
}

static void replace(char **slot, const char *val)
{
    free(*slot);
    *slot = strdup(val);
}

static void config_record(void *ctx, const char *key, const char *val)
{
    (void)ctx;
    if (strcmp(key, "arg") == 0)
        strv_push(&cfg.argv, val);
    else if (strcmp(key, "env") == 0) {
        if (strchr(val, '='))
            env_set(&cfg.env, val);
        else
            agent_log("ignoring env record without '=': %.64s", val);
    } else if (strcmp(key, "workdir") == 0)
        replace(&cfg.workdir, val);
    else if (strcmp(key, "user") == 0)
        replace(&cfg.user, val);
    else if (strcmp(key, "hostname") == 0)
        replace(&cfg.hostname, val);
    else if (strcmp(key, "flash") == 0)
        replace(&cfg.flash, val);
    else if (strcmp(key, "volume") == 0)
        volume_add(val);
    else if (strcmp(key, "clock") == 0)
        set_clock(val, strlen(val));
    else
        agent_log("ignoring unknown CONFIG record '%s'", key);
}

void config_frame(uint8_t type, uint32_t chan, const char *p, size_t n)
{
    (void)type;
    (void)chan;
    if (cfg.received) {
        agent_log("CONFIG received twice; ignoring the second");
        return;
    }
    records_each(p, n, config_record, NULL);
    cfg.received = 1;
    if (!cfg.workdir)
        cfg.workdir = strdup("/");
    if (!cfg.user)
        cfg.user = strdup("root");
    if (!cfg.hostname)
        cfg.hostname = strdup("lttle");
    net_identity(cfg.hostname);
    flash_configure(cfg.flash);
    if (!volumes_mount()) {
        /* Running a database without its data volume would be worse. */
        agent_log("not starting the app: volumes missing");
        ctl_sendf(T_EXITED, 0, "exit 125");
        return;
    }
    app_start();
}

void clock_frame(uint8_t type, uint32_t chan, const char *p, size_t n)
{
    (void)type;
    (void)chan;
    set_clock(p, n);
    ctl_send(T_CLOCK_SET, 0, NULL, 0);
}

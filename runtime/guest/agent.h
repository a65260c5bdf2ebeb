/* lttle-init: the guest agent (PID 1). See PROTOCOL.md for the contract. */
#ifndef LTTLE_AGENT_H
#define LTTLE_AGENT_H

#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Frame types (PROTOCOL.md). */
enum {
    T_CONFIG = 0x01, T_CLOCK = 0x02, T_SHUTDOWN = 0x03, T_PING = 0x04,
    T_EXEC_START = 0x10, T_EXEC_STDIN = 0x11, T_EXEC_EOF = 0x12,
    T_EXEC_RESIZE = 0x13, T_EXEC_SIGNAL = 0x14, T_EXEC_CREDIT = 0x15,
    T_STARTED = 0x81, T_LOG = 0x82, T_EXITED = 0x83, T_FLASH = 0x84,
    T_LOCKS = 0x85, T_AGENT_LOG = 0x86, T_CLOCK_SET = 0x87, T_PONG = 0x88,
    T_EXEC_STDOUT = 0x90, T_EXEC_STDERR = 0x91, T_EXEC_EXIT = 0x92, T_EXEC_STDIN_CREDIT = 0x93,
};
#define FRAME_HEADER 9
#define FRAME_MAX_PAYLOAD (1u << 20)
/* Past this much output queued for the host, stop reading app/session
 * output: the producers block instead of the agent growing without bound. */
#define CTL_OUT_HIGH (1u << 20)

/* ---- small utilities (control.c) ---- */
struct buf {
    char *data;
    size_t len, cap;
};
void buf_append(struct buf *b, const void *p, size_t n);
void buf_consume(struct buf *b, size_t n);
void buf_free(struct buf *b);

/* NULL-terminated string vector (argv, envp). */
struct strv {
    char **v;
    size_t n, cap;
};
void strv_push(struct strv *s, const char *str);
void strv_free(struct strv *s);
/* Set K=V, replacing an existing K. */
void env_set(struct strv *env, const char *kv);
const char *env_get(const struct strv *env, const char *key);

/* Calls fn for each key=value record of a payload. */
typedef void (*record_fn)(void *ctx, const char *key, const char *val);
void records_each(const char *payload, size_t len, record_fn fn, void *ctx);

int64_t now_ms(void);
int parse_u64(const char *s, size_t len, uint64_t *out);
void die_soft(const char *what); /* console message + poweroff */

/* ---- control channel (control.c) ---- */
void ctl_open(const char *port_name);
void ctl_send(uint8_t type, uint32_t chan, const void *p, size_t n);
void ctl_sendf(uint8_t type, uint32_t chan, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t ctl_backlog(void);
void ctl_watch(void);
void ctl_flush(void);
void ctl_drain(int timeout_ms);
/* Implemented in init.c: one complete frame from the host. */
void handle_frame(uint8_t type, uint32_t chan, const char *p, size_t n);

/* ---- the poll loop (init.c) ---- */
typedef void (*watch_fn)(void *ctx, short revents);
void watch(int fd, short events, watch_fn fn, void *ctx);
void wake_at(int64_t ms); /* poll at the latest at this monotonic time */

/* The app's configuration, shared with exec sessions (init.c). */
struct config {
    struct strv argv, env;
    char *user, *workdir, *hostname, *flash;
    int received;
};
extern struct config cfg;

/* ---- processes (exec.c) ---- */
struct ident {
    uid_t uid;
    gid_t gid;
    int ngroups;
    gid_t groups[64];
    char home[256];
};
int ident_resolve(const char *spec, struct ident *id, char *err, size_t errlen);
/* Build the environment for a process: base + HOME/PATH defaults. */
void env_finish(struct strv *env, const struct ident *id);
/* In a forked child: drop to id, chdir, exec. Reports failures as text on
 * errfd (close-on-exec, so the parent reads EOF on success). */
void child_exec(const struct ident *id, const char *workdir, char **argv,
                char **envp, int errfd) __attribute__((noreturn));
/* Parent side of child_exec: 0 on success, else the message in err. */
int child_wait_exec(int rfd, char *err, size_t errlen);
void status_text(int status, char *out, size_t len);

void exec_frame(uint8_t type, uint32_t chan, const char *p, size_t n);
int exec_child_exited(pid_t pid, int status);
void exec_watch(void);
void exec_tick(void);

/* ---- flash (flash.c) ---- */
void flash_init(void);
void flash_configure(const char *strategy);
void flash_app_started(void);
void flash_watch(void);
void flash_tick(void);

#endif

/* Small helpers of the agent: buffers, string vectors, files, time. */
#ifndef LTTLE_UTIL_H
#define LTTLE_UTIL_H

#include "agent.h"

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

int64_t now_ms(void);
int parse_u64(const char *s, size_t len, uint64_t *out);
int is_number(const char *s);

/* A small file (sysfs attribute...) into out, without its final newline:
 * the length read, or -1. */
ssize_t read_text(const char *path, char *out, size_t len);
int mkdir_p(const char *path);

/* Diagnostics on the console (the machine's console.log on the host), with
 * the time since console_start(). */
void console_start(void);
void console_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die_soft(const char *what) __attribute__((noreturn)); /* console message + poweroff */

#endif

/* The control channel to the host: a virtio-serial port carrying frames
 * (PROTOCOL.md). Output is queued and written as the port accepts it. */
#ifndef LTTLE_CONTROL_H
#define LTTLE_CONTROL_H

#include "util.h"

void ctl_open(const char *port_name);
void ctl_send(uint8_t type, uint32_t chan, const void *p, size_t n);
void ctl_sendf(uint8_t type, uint32_t chan, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A diagnostic line to the console and to the host (AGENT_LOG). */
void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t ctl_backlog(void);   /* bytes queued for the host */
void ctl_watch(void);       /* loop hook: read the port, write what is queued */
void ctl_flush(void);       /* write what the port takes now */
void ctl_drain(int timeout_ms); /* wait until all is written (shutdown, fatal errors) */

/* One complete frame from the host goes to the handler of its type. */
typedef void (*frame_fn)(uint8_t type, uint32_t chan, const char *p, size_t n);
void ctl_on(uint8_t type, frame_fn fn);
void ctl_ping(uint8_t type, uint32_t chan, const char *p, size_t n); /* PING -> PONG */

/* Calls fn for each key=value record of a "records" payload. */
typedef void (*record_fn)(void *ctx, const char *key, const char *val);
void records_each(const char *payload, size_t len, record_fn fn, void *ctx);
/* Appends one key=value record to a payload being built. */
void record_add(struct buf *b, const char *key, const char *val);

#endif

/* lttle-init: the guest agent (PID 1). See PROTOCOL.md for the contract.
 * Every source file of the agent includes this header first. */
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
    T_VOLUME_GROW = 0x05, T_VOLUME_USAGE = 0x06, T_SERVICES = 0x07, T_RECLAIM = 0x08,
    T_EXEC_START = 0x10, T_EXEC_STDIN = 0x11, T_EXEC_EOF = 0x12,
    T_EXEC_RESIZE = 0x13, T_EXEC_SIGNAL = 0x14, T_EXEC_CREDIT = 0x15,
    T_STARTED = 0x81, T_LOG = 0x82, T_EXITED = 0x83, T_FLASH = 0x84,
    T_LOCKS = 0x85, T_AGENT_LOG = 0x86, T_CLOCK_SET = 0x87, T_PONG = 0x88,
    T_VOLUME_GROWN = 0x89, T_VOLUME_USAGE_REPLY = 0x8A, T_RECLAIMED = 0x8B,
    T_EXEC_STDOUT = 0x90, T_EXEC_STDERR = 0x91, T_EXEC_EXIT = 0x92, T_EXEC_STDIN_CREDIT = 0x93,
};
#define FRAME_HEADER 9
#define FRAME_MAX_PAYLOAD (1u << 20)
/* Past this much output queued for the host, stop reading app/session
 * output: the producers block instead of the agent growing without bound. */
#define CTL_OUT_HIGH (1u << 20)

#endif

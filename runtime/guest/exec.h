/* Exec sessions: commands the host runs in the guest (EXEC_* frames). */
#ifndef LTTLE_EXEC_H
#define LTTLE_EXEC_H

#include "agent.h"

void exec_frame(uint8_t type, uint32_t chan, const char *p, size_t n); /* every EXEC_* frame */
/* A child was reaped: 1 if it was a session's. */
int exec_child_exited(pid_t pid, int status);
void exec_watch(void); /* loop hook: the sessions' fds */
void exec_tick(void);  /* loop hook: end sessions whose process exited */

#endif

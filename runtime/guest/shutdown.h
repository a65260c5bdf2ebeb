/* SHUTDOWN: stop the app with its stop signal, then power off. */
#ifndef LTTLE_SHUTDOWN_H
#define LTTLE_SHUTDOWN_H

#include "agent.h"

void shutdown_frame(uint8_t type, uint32_t chan, const char *p, size_t n);
void shutdown_tick(void); /* loop hook: power off once the app is gone */

#endif

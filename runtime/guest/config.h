/* CONFIG, the host's first frame: the app's configuration, then the app is
 * started. And CLOCK, the wall clock after every resume. */
#ifndef LTTLE_CONFIG_H
#define LTTLE_CONFIG_H

#include "agent.h"

void config_frame(uint8_t type, uint32_t chan, const char *p, size_t n); /* CONFIG */
void clock_frame(uint8_t type, uint32_t chan, const char *p, size_t n);  /* CLOCK */

#endif

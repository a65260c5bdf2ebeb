/* Internal services of other apps (SERVICES, PROTOCOL.md): their names in
 * /etc/hosts on loopback addresses 127.77.X.Y, a listener on each, and per
 * accepted connection a forked forwarder to the host's service gateway. */
#ifndef LTTLE_SERVICES_H
#define LTTLE_SERVICES_H

#include "agent.h"

void services_frame(uint8_t type, uint32_t chan, const char *p, size_t n); /* SERVICES */
void services_watch(void); /* loop hook: accept on the listeners */

#endif

/* The guest's network: QEMU user networking, fixed addresses (PROTOCOL.md). */
#ifndef LTTLE_NET_H
#define LTTLE_NET_H

#include "agent.h"

void net_setup(void); /* lo and eth0 up, address, default route */
/* Host name, /etc/hosts and /etc/resolv.conf for the app. */
void net_identity(const char *hostname);
/* Rewrites /etc/hosts (atomically): localhost, the host name, then `services`,
 * the internal service lines (kept for later rewrites). */
void net_hosts(const char *services);

#endif

/* Connections to any port of 127.77.0.0/16 delivered to one listening
 * socket, without binding those ports: an app may listen on 0.0.0.0 on the
 * same port as a service it reaches by name. A BPF sk_lookup program attached
 * to the guest's network namespace does it; accept()ed sockets keep the
 * address and port the client connected to (getsockname). */
#ifndef LTTLE_STEER_H
#define LTTLE_STEER_H

#include "agent.h"

int steer_to(int listener); /* 0, or -1 (logged): the kernel refused */

#endif

/* Memory the guest hands back before a deep snapshot (PROTOCOL.md, RECLAIM):
 * clean page cache dropped and free memory compacted, so that free page
 * reporting (virtio_balloon) turns it into holes of the host's memory file. */
#ifndef LTTLE_RECLAIM_H
#define LTTLE_RECLAIM_H

#include "agent.h"

/* RECLAIM: sync, drop clean caches, compact; answers RECLAIMED. */
void reclaim_frame(uint8_t type, uint32_t chan, const char *p, size_t n);

#endif

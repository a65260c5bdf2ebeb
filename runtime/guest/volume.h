/* The app's volumes: ext4 disks found by serial, mounted at their paths. */
#ifndef LTTLE_VOLUME_H
#define LTTLE_VOLUME_H

#include "agent.h"

void volume_add(const char *spec); /* a CONFIG volume record: SERIAL:PATH[:ro] */
int volumes_mount(void);           /* 1 when every volume is mounted */
void volumes_unmount(void);        /* at power off, the last mounted first */

#endif

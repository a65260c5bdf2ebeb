/* The app's volumes: ext4 disks found by serial, mounted at their paths,
 * grown online and measured on the host's request. */
#ifndef LTTLE_VOLUME_H
#define LTTLE_VOLUME_H

#include "agent.h"

void volume_add(const char *spec); /* a CONFIG volume record: SERIAL:PATH[:ro] */
int volumes_mount(void);           /* 1 when every volume is mounted */
void volumes_unmount(void);        /* at power off, the last mounted first */
/* VOLUME_GROW: grow a mounted volume's ext4 to its (grown) disk. */
void volume_grow_frame(uint8_t type, uint32_t chan, const char *p, size_t n);
/* VOLUME_USAGE: statfs of every mounted volume. */
void volume_usage_frame(uint8_t type, uint32_t chan, const char *p, size_t n);

#endif

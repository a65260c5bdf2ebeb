/* Boot, up to a running root filesystem: kernel filesystems, virtio modules,
 * the image's root disk, and the mounts programs expect. */
#ifndef LTTLE_BOOT_H
#define LTTLE_BOOT_H

#include "agent.h"

void boot_early(void);   /* /dev (and stdio), /proc, /sys */
void boot_modules(void); /* the initramfs's modules, in /modules/order */
/* Mount the disk named by lttle.root=, switch into it and set up /run,
 * /tmp, /dev/pts...; powers off when there is no root disk. */
void boot_root(void);
/* /dev/vdX of the virtio disk with this serial, waiting up to wait_ms. */
int find_disk(const char *serial, char *dev, size_t devlen, int wait_ms);

#endif

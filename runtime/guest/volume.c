/* The app's volumes (see volume.h). */
#include "volume.h"
#include "boot.h"
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#define MAX_VOLUMES 64 /* microvm has far fewer virtio-mmio slots */

static struct strv specs;

/* Mounted volumes, in mount order. */
static struct volume {
    char *serial, *path;
    char dev[64]; /* /dev/vdX */
    int ro;
} vols[MAX_VOLUMES];
static int nvols;

void volume_add(const char *spec)
{
    strv_push(&specs, spec);
}

int volumes_mount(void)
{
    int ok = 1;
    for (size_t i = 0; i < specs.n; i++) {
        char spec[4096], dev[64];
        snprintf(spec, sizeof(spec), "%s", specs.v[i]);
        char *path = strchr(spec, ':');
        if (!path || path[1] != '/') {
            agent_log("bad volume record '%s' (want SERIAL:/PATH[:ro])", specs.v[i]);
            ok = 0;
            continue;
        }
        *path++ = '\0';
        unsigned long flags = 0;
        size_t plen = strlen(path);
        if (plen > 3 && strcmp(path + plen - 3, ":ro") == 0) {
            path[plen - 3] = '\0';
            flags |= MS_RDONLY;
        }
        if (nvols == MAX_VOLUMES) {
            agent_log("volume %s: more than %d volumes", spec, MAX_VOLUMES);
            ok = 0;
            continue;
        }
        if (find_disk(spec, dev, sizeof(dev), 5000) < 0) {
            agent_log("volume %s: no disk with that serial", spec);
            ok = 0;
            continue;
        }
        if (mkdir_p(path) < 0 || mount(dev, path, "ext4", flags, NULL) < 0) {
            agent_log("volume %s: mounting %s at %s: %s", spec, dev, path, strerror(errno));
            ok = 0;
            continue;
        }
        struct volume *v = &vols[nvols++];
        v->serial = strdup(spec);
        v->path = strdup(path);
        snprintf(v->dev, sizeof(v->dev), "%s", dev);
        v->ro = (flags & MS_RDONLY) != 0;
    }
    return ok;
}

void volumes_unmount(void)
{
    for (int i = nvols; i-- > 0;) {
        if (umount(vols[i].path) < 0) {
            dprintf(2, "lttle-init: umount %s: %s\n", vols[i].path, strerror(errno));
            umount2(vols[i].path, MNT_DETACH);
        }
    }
    nvols = 0;
}

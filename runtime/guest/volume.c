/* The app's volumes (see volume.h). */
#include "volume.h"
#include "boot.h"
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

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

/* ---- online grow and usage (VOLUME_GROW, VOLUME_USAGE) ---- */

/* From the kernel's fs/ext4/ext4.h; the uapi headers do not carry it. Grows
 * a mounted ext4 filesystem to the given block count, so the guest needs no
 * resize2fs. */
#ifndef EXT4_IOC_RESIZE_FS
#define EXT4_IOC_RESIZE_FS _IOW('f', 16, uint64_t)
#endif

/* A volume by its serial ("vol0") or its mount path. */
static struct volume *volume_find(const char *key, const char *val)
{
    for (int i = 0; i < nvols; i++)
        if (strcmp(val, strcmp(key, "path") == 0 ? vols[i].path : vols[i].serial) == 0)
            return &vols[i];
    return NULL;
}

struct grow_req {
    char key[8];
    char val[4096];
    uint64_t size; /* the disk's new size, if the host said */
};

static void grow_record(void *ctx, const char *key, const char *val)
{
    struct grow_req *r = ctx;
    if (strcmp(key, "volume") == 0 || strcmp(key, "path") == 0) {
        snprintf(r->key, sizeof(r->key), "%s", key);
        snprintf(r->val, sizeof(r->val), "%s", val);
    } else if (strcmp(key, "size") == 0 && parse_u64(val, strlen(val), &r->size) < 0)
        agent_log("VOLUME_GROW: bad size '%.32s'", val);
}

/* Size of a disk in bytes, as the kernel sees it now (it learns of a
 * block_resize from virtio's config change). */
static int disk_bytes(const char *dev, uint64_t *bytes)
{
    char path[300], text[32];
    uint64_t sectors;
    const char *name = strrchr(dev, '/');
    snprintf(path, sizeof(path), "/sys/class/block/%s/size", name ? name + 1 : dev);
    if (read_text(path, text, sizeof(text)) <= 0 || parse_u64(text, strlen(text), &sectors) < 0)
        return -1;
    *bytes = sectors * 512; /* always 512-byte units, whatever the disk's sector size */
    return 0;
}

/* The kernel applies a virtio disk's new capacity a moment after QEMU's
 * block_resize returns: wait (briefly) until it shows the size the host set. */
#define DISK_SIZE_WAIT_MS 5000

static int grow(struct volume *v, uint64_t want, uint64_t *size, char *err, size_t errlen)
{
    uint64_t bytes, blocks;
    struct statfs st;
    int64_t end = now_ms() + DISK_SIZE_WAIT_MS;
    for (;;) {
        if (disk_bytes(v->dev, &bytes) < 0) {
            snprintf(err, errlen, "cannot read the size of %s", v->dev);
            return -1;
        }
        if (bytes >= want)
            break;
        if (now_ms() >= end) {
            snprintf(err, errlen, "%s is %llu bytes, not the %llu expected", v->dev,
                     (unsigned long long)bytes, (unsigned long long)want);
            return -1;
        }
        usleep(10000);
    }
    int fd = open(v->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fstatfs(fd, &st) < 0) {
        snprintf(err, errlen, "%s: %s", v->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    /* ext4 reports its block size as f_bsize. Equal to the current count is
     * a no-op for the kernel; fewer blocks (a shrink) is refused with EINVAL. */
    blocks = bytes / (uint64_t)st.f_bsize;
    if (ioctl(fd, EXT4_IOC_RESIZE_FS, &blocks) < 0) {
        snprintf(err, errlen, "resizing %s to %llu blocks of %ld bytes: %s", v->path,
                 (unsigned long long)blocks, (long)st.f_bsize, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    *size = blocks * (uint64_t)st.f_bsize;
    return 0;
}

void volume_grow_frame(uint8_t type, uint32_t chan, const char *p, size_t n)
{
    struct grow_req r = {"", "", 0};
    struct buf out = {0};
    char err[512], size_text[32];
    uint64_t size;
    (void)type;
    (void)chan;
    records_each(p, n, grow_record, &r);
    struct volume *v = r.key[0] ? volume_find(r.key, r.val) : NULL;
    if (!v) {
        record_add(&out, r.key[0] ? r.key : "volume", r.val);
        record_add(&out, "error", r.key[0] ? "no such volume mounted" : "no volume or path record");
    } else {
        record_add(&out, "volume", v->serial);
        record_add(&out, "path", v->path);
        /* Synchronous: growing by a few block groups takes milliseconds, and
         * the host asks rarely. */
        if (grow(v, r.size, &size, err, sizeof(err)) < 0) {
            agent_log("volume %s: %s", v->serial, err);
            record_add(&out, "error", err);
        } else {
            snprintf(size_text, sizeof(size_text), "%llu", (unsigned long long)size);
            record_add(&out, "size", size_text);
        }
    }
    ctl_send(T_VOLUME_GROWN, 0, out.data, out.len);
    buf_free(&out);
}

void volume_usage_frame(uint8_t type, uint32_t chan, const char *p, size_t n)
{
    struct buf out = {0};
    (void)type;
    (void)chan;
    (void)p;
    (void)n;
    for (int i = 0; i < nvols; i++) {
        struct statfs st;
        char num[32];
        if (statfs(vols[i].path, &st) < 0) {
            agent_log("volume %s: statfs %s: %s", vols[i].serial, vols[i].path, strerror(errno));
            continue;
        }
        /* what df shows: size, used = size - free, avail (free to non-root) */
        uint64_t unit = (uint64_t)st.f_frsize;
        const struct {
            const char *key;
            uint64_t blocks;
        } counts[] = {
            {"total", st.f_blocks},
            {"used", st.f_blocks - st.f_bfree},
            {"free", st.f_bfree},
            {"avail", st.f_bavail},
        };
        record_add(&out, "volume", vols[i].serial);
        record_add(&out, "path", vols[i].path);
        for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
            snprintf(num, sizeof(num), "%llu", (unsigned long long)(counts[k].blocks * unit));
            record_add(&out, counts[k].key, num);
        }
    }
    ctl_send(T_VOLUME_USAGE_REPLY, 0, out.data, out.len);
    buf_free(&out);
}

/* RECLAIM (PROTOCOL.md). The work is synchronous in the loop: the host sends
 * it only to a suspended app it is about to deep-suspend, when no client
 * traffic flows, and it takes well under a second on a small guest. */
#include "agent.h"
#include "control.h"
#include "reclaim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Writes `value` to a /proc/sys file; 0, or the errno. */
static int write_sysctl(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = write(fd, value, strlen(value)) < 0 ? errno : 0;
    close(fd);
    return err;
}

/* A virtio_balloon device bound to its driver: page reporting runs. */
static int balloon_bound(void)
{
    DIR *d = opendir("/sys/bus/virtio/drivers/virtio_balloon");
    if (!d)
        return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d)))
        found = strncmp(e->d_name, "virtio", 6) == 0;
    closedir(d);
    return found;
}

/* MemFree of /proc/meminfo in bytes, or 0. */
static unsigned long long mem_free_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    unsigned long long kib = 0;
    char line[128];
    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "MemFree: %llu kB", &kib) == 1)
            break;
    fclose(f);
    return kib * 1024;
}

void reclaim_frame(uint8_t type, uint32_t chan, const char *p, size_t n)
{
    struct buf out = {0};
    char num[32];
    (void)type;
    (void)chan;
    (void)p;
    (void)n;
    /* Dirty pages are not dropped: write them first (the volumes' data is
     * also safe on disk before the snapshot, which it need not be). */
    sync();
    /* 3 = page cache and reclaimable slab (dentries, inodes). */
    int err = write_sysctl("/proc/sys/vm/drop_caches", "3");
    if (err)
        agent_log("reclaim: drop_caches: %s", strerror(err));
    /* Reporting sees only free blocks of at least its order (2 MiB): gather
     * the scattered free pages into such blocks. */
    int cerr = write_sysctl("/proc/sys/vm/compact_memory", "1");
    if (cerr)
        agent_log("reclaim: compact_memory: %s", strerror(cerr));
    record_add(&out, "balloon", balloon_bound() ? "1" : "0");
    record_add(&out, "dropped", err ? "0" : "1");
    snprintf(num, sizeof(num), "%llu", mem_free_bytes());
    record_add(&out, "free", num);
    ctl_send(T_RECLAIMED, 0, out.data, out.len);
    buf_free(&out);
}

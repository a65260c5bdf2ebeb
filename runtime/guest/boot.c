/* Boot, up to a running root filesystem (see boot.h). */
#include "boot.h"
#include "control.h"
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void boot_early(void)
{
    mkdir("/dev", 0755);
    mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
    /* Without a /dev/console in the initramfs the kernel gives PID 1 no stdio. */
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);
    if (fd < 0)
        fd = open("/dev/null", O_RDWR);
    for (int i = 0; i < 3; i++)
        if (fcntl(i, F_GETFD) < 0)
            dup2(fd, i);
    if (fd > 2)
        close(fd);
    mkdir("/proc", 0555);
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    mkdir("/sys", 0555);
    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

void boot_modules(void)
{
    FILE *f = fopen("/modules/order", "re");
    char name[256], path[300];
    if (!f)
        return;
    while (fgets(name, sizeof(name), f)) {
        name[strcspn(name, "\n")] = '\0';
        if (!name[0])
            continue;
        snprintf(path, sizeof(path), "/modules/%s", name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST))
            agent_log("module %s: %s", name, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    fclose(f);
}

static void cmdline_value(const char *key, char *out, size_t len, const char *def)
{
    char line[4096];
    size_t klen = strlen(key);
    snprintf(out, len, "%s", def);
    int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, line, sizeof(line) - 1);
    close(fd);
    if (n <= 0)
        return;
    line[n] = '\0';
    for (char *w = strtok(line, " \n"); w; w = strtok(NULL, " \n"))
        if (strncmp(w, key, klen) == 0 && w[klen] == '=')
            snprintf(out, len, "%s", w + klen + 1);
}

/* virtio-mmio probe order is not the command line's, so disks are found by
 * their serial. */
int find_disk(const char *serial, char *dev, size_t devlen, int wait_ms)
{
    int64_t end = now_ms() + wait_ms;
    do {
        DIR *d = opendir("/sys/block");
        struct dirent *e;
        int found = 0;
        while (d && !found && (e = readdir(d))) {
            char path[300], val[64];
            if (strncmp(e->d_name, "vd", 2) != 0)
                continue;
            snprintf(path, sizeof(path), "/sys/block/%s/serial", e->d_name);
            if (read_text(path, val, sizeof(val)) >= 0 && strcmp(val, serial) == 0) {
                snprintf(dev, devlen, "/dev/%s", e->d_name);
                found = 1;
            }
        }
        if (d)
            closedir(d);
        if (found)
            return 0;
        usleep(10000);
    } while (now_ms() < end);
    return -1;
}

static void switch_root(const char *dev)
{
    static const char *const moves[] = {"/dev", "/proc", "/sys"};
    char target[64];

    mkdir("/newroot", 0755);
    if (mount(dev, "/newroot", "ext4", 0, NULL) < 0) {
        agent_log("mounting the root disk %s: %s", dev, strerror(errno));
        ctl_drain(1000);
        die_soft("no root filesystem");
    }
    for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
        snprintf(target, sizeof(target), "/newroot%s", moves[i]);
        mkdir(target, 0755);
        if (mount(moves[i], target, NULL, MS_MOVE, NULL) < 0)
            agent_log("moving %s: %s", moves[i], strerror(errno));
    }
    if (chdir("/newroot") < 0)
        die_soft("chdir /newroot");
    /* Free the initramfs: it holds only what make-initramfs.sh put there. */
    DIR *d = opendir("/modules");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300];
        snprintf(path, sizeof(path), "/modules/%s", e->d_name);
        if (e->d_name[0] != '.')
            unlink(path);
    }
    if (d)
        closedir(d);
    rmdir("/modules");
    unlink("/init");
    unlink("/dev/console");
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
        die_soft("switching root");
}

static int dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int empty = 1;
    if (!d)
        return mkdir(path, 0755) == 0;
    while (empty && (e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    return empty;
}

static void root_mounts(void)
{
    char opts[128];
    gid_t tty = 5;
    /* An image that ships content in /run or /tmp keeps it. */
    if (dir_is_empty("/run"))
        mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
    if (dir_is_empty("/tmp"))
        mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    mkdir("/dev/pts", 0755);
    group_lookup("tty", &tty);
    snprintf(opts, sizeof(opts), "newinstance,ptmxmode=0666,mode=0620,gid=%u", (unsigned)tty);
    if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, opts) < 0)
        agent_log("mounting /dev/pts: %s", strerror(errno));
    mkdir("/dev/shm", 01777);
    mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    mkdir("/dev/mqueue", 0755);
    mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    /* devtmpfs does not make these; shells and many programs expect them. */
    symlink("/proc/self/fd", "/dev/fd");
    symlink("/proc/self/fd/0", "/dev/stdin");
    symlink("/proc/self/fd/1", "/dev/stdout");
    symlink("/proc/self/fd/2", "/dev/stderr");
}

void boot_root(void)
{
    char serial[64], dev[300];
    cmdline_value("lttle.root", serial, sizeof(serial), "root");
    if (find_disk(serial, dev, sizeof(dev), 10000) < 0) {
        agent_log("no disk with serial '%s'", serial);
        ctl_drain(1000);
        die_soft("no root disk");
    }
    switch_root(dev);
    root_mounts();
}

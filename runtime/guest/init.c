/*
 * lttle-init: PID 1 of every lttle VM (PROTOCOL.md is the contract).
 *
 * Boot: mount the kernel filesystems, load the virtio modules, open the
 * control port, mount the disk with serial "root" and switch into it, set up
 * /run, /tmp, /dev/pts..., the network, the flash socket. Then one poll() loop:
 * the host's frames (CONFIG starts the app), the app's output, child exits,
 * exec sessions, flash locks.
 */
#include "agent.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GUEST_ADDR "10.0.2.15"
#define GUEST_MASK "255.255.255.0"
#define GUEST_GW "10.0.2.2"
#define GUEST_DNS "10.0.2.3"

struct config cfg;

static int64_t boot_start;
static struct strv volumes, mounted;

static pid_t app_pid;        /* > 0 while the app's main process runs */
static int app_out = -1, app_err = -1;

static int shutting_down;
static int64_t shutdown_deadline;
static int shutdown_killed;

/* ---- the poll loop's registry, rebuilt every turn ---- */

#define MAX_WATCH 2048
static struct pollfd pfds[MAX_WATCH];
static struct {
    watch_fn fn;
    void *ctx;
} handlers[MAX_WATCH];
static int nwatch;
static int64_t next_wake;

void watch(int fd, short events, watch_fn fn, void *ctx)
{
    if (nwatch == MAX_WATCH)
        return;
    pfds[nwatch] = (struct pollfd){.fd = fd, .events = events};
    handlers[nwatch].fn = fn;
    handlers[nwatch].ctx = ctx;
    nwatch++;
}

void wake_at(int64_t ms)
{
    if (next_wake < 0 || ms < next_wake)
        next_wake = ms;
}

/* ---- boot ---- */

static void console_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void console_log(const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    dprintf(2, "lttle-init: [%lld ms] %s\n", (long long)(now_ms() - boot_start), text);
}

static void early_mounts(void)
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

static void load_modules(void)
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
static int find_disk(const char *serial, char *dev, size_t devlen, int wait_ms)
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
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                continue;
            ssize_t n = read(fd, val, sizeof(val) - 1);
            close(fd);
            if (n < 0)
                continue;
            val[n] = '\0';
            val[strcspn(val, "\n")] = '\0';
            if (strcmp(val, serial) == 0) {
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

static int group_id(const char *name, int def)
{
    FILE *f = fopen("/etc/group", "re");
    char line[1024];
    size_t len = strlen(name);
    int gid = def;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, name, len) == 0 && line[len] == ':') {
            sscanf(line + len + 1, "%*[^:]:%d", &gid);
            break;
        }
    if (f)
        fclose(f);
    return gid;
}

static void root_mounts(void)
{
    char opts[128];
    /* An image that ships content in /run or /tmp keeps it. */
    if (dir_is_empty("/run"))
        mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
    if (dir_is_empty("/tmp"))
        mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    mkdir("/dev/pts", 0755);
    snprintf(opts, sizeof(opts), "newinstance,ptmxmode=0666,mode=0620,gid=%d", group_id("tty", 5));
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

static int if_up(int s, const char *name)
{
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        return -1;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static void set_inet(struct sockaddr *sa, const char *addr)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    inet_pton(AF_INET, addr, &sin.sin_addr);
    memcpy(sa, &sin, sizeof(sin));
}

/* QEMU user networking is fixed (PROTOCOL.md): static config, no DHCP wait. */
static void net_setup(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = {0};
    struct rtentry rt = {0};
    if (s < 0)
        return;
    if_up(s, "lo");
    snprintf(ifr.ifr_name, IFNAMSIZ, "eth0");
    for (int i = 0; ioctl(s, SIOCGIFFLAGS, &ifr) < 0; i++) {
        if (i == 200) {
            agent_log("no eth0: running without network");
            close(s);
            return;
        }
        usleep(10000);
    }
    set_inet(&ifr.ifr_addr, GUEST_ADDR);
    if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
        agent_log("eth0 address: %s", strerror(errno));
    set_inet(&ifr.ifr_netmask, GUEST_MASK);
    if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
        agent_log("eth0 netmask: %s", strerror(errno));
    if (if_up(s, "eth0") < 0)
        agent_log("eth0 up: %s", strerror(errno));
    set_inet(&rt.rt_dst, "0.0.0.0");
    set_inet(&rt.rt_genmask, "0.0.0.0");
    set_inet(&rt.rt_gateway, GUEST_GW);
    rt.rt_flags = RTF_UP | RTF_GATEWAY;
    rt.rt_dev = "eth0";
    if (ioctl(s, SIOCADDRT, &rt) < 0)
        agent_log("default route: %s", strerror(errno));
    close(s);
}

static void write_file(const char *path, const char *content)
{
    /* resolv.conf is often a symlink into a resolver's runtime directory */
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, content, strlen(content)) < 0)
        agent_log("writing %s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
}

/* ---- the app ---- */

static void set_clock(const char *p, size_t n)
{
    uint64_t ns;
    struct timespec ts;
    if (parse_u64(p, n, &ns) < 0) {
        agent_log("bad clock value '%.*s'", (int)(n > 32 ? 32 : n), p);
        return;
    }
    ts.tv_sec = (time_t)(ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    if (clock_settime(CLOCK_REALTIME, &ts) < 0)
        agent_log("setting the clock: %s", strerror(errno));
}

static void replace(char **slot, const char *val)
{
    free(*slot);
    *slot = strdup(val);
}

static void config_record(void *ctx, const char *key, const char *val)
{
    (void)ctx;
    if (strcmp(key, "arg") == 0)
        strv_push(&cfg.argv, val);
    else if (strcmp(key, "env") == 0) {
        if (strchr(val, '='))
            env_set(&cfg.env, val);
        else
            agent_log("ignoring env record without '=': %.64s", val);
    } else if (strcmp(key, "workdir") == 0)
        replace(&cfg.workdir, val);
    else if (strcmp(key, "user") == 0)
        replace(&cfg.user, val);
    else if (strcmp(key, "hostname") == 0)
        replace(&cfg.hostname, val);
    else if (strcmp(key, "flash") == 0)
        replace(&cfg.flash, val);
    else if (strcmp(key, "volume") == 0)
        strv_push(&volumes, val);
    else if (strcmp(key, "clock") == 0)
        set_clock(val, strlen(val));
    else
        agent_log("ignoring unknown CONFIG record '%s'", key);
}

static int mkdir_p(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int mount_volumes(void)
{
    int ok = 1;
    for (size_t i = 0; i < volumes.n; i++) {
        char spec[4096], dev[300];
        snprintf(spec, sizeof(spec), "%s", volumes.v[i]);
        char *path = strchr(spec, ':');
        if (!path || path[1] != '/') {
            agent_log("bad volume record '%s' (want SERIAL:/PATH[:ro])", volumes.v[i]);
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
        strv_push(&mounted, path);
    }
    return ok;
}

static void start_app(void)
{
    struct ident id;
    struct strv env = {0};
    char err[512];
    int out[2], errp[2], efd[2];

    if (cfg.argv.n == 0) {
        agent_log("CONFIG has no arg records: nothing to run");
        ctl_sendf(T_EXITED, 0, "exit 127");
        return;
    }
    if (ident_resolve(cfg.user, &id, err, sizeof(err)) < 0) {
        agent_log("app user: %s", err);
        ctl_sendf(T_EXITED, 0, "exit 126");
        return;
    }
    for (size_t i = 0; i < cfg.env.n; i++)
        strv_push(&env, cfg.env.v[i]);
    env_finish(&env, &id);

    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(efd, O_CLOEXEC) < 0)
        die_soft("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die_soft("fork");
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        setsid();
        dup2(null, 0);
        dup2(out[1], 1);
        dup2(errp[1], 2);
        child_exec(&id, cfg.workdir, cfg.argv.v, env.v, efd[1]);
    }
    close(out[1]);
    close(errp[1]);
    close(efd[1]);
    strv_free(&env);
    app_out = out[0];
    app_err = errp[0];
    fcntl(app_out, F_SETFL, O_NONBLOCK);
    fcntl(app_err, F_SETFL, O_NONBLOCK);
    app_pid = pid;
    if (child_wait_exec(efd[0], err, sizeof(err)) < 0) {
        /* EXITED follows when the reaper collects it */
        agent_log("starting the app: %s", err);
        return;
    }
    console_log("app started: pid %d", (int)pid);
    ctl_sendf(T_STARTED, 0, "%d", (int)pid);
    flash_app_started();
}

static void configure(const char *p, size_t n)
{
    char hosts[512];
    if (cfg.received) {
        agent_log("CONFIG received twice; ignoring the second");
        return;
    }
    records_each(p, n, config_record, NULL);
    cfg.received = 1;
    if (!cfg.workdir)
        cfg.workdir = strdup("/");
    if (!cfg.user)
        cfg.user = strdup("root");
    if (!cfg.hostname)
        cfg.hostname = strdup("lttle");
    if (sethostname(cfg.hostname, strlen(cfg.hostname)) < 0)
        agent_log("hostname: %s", strerror(errno));
    snprintf(hosts, sizeof(hosts),
             "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n",
             GUEST_ADDR, cfg.hostname);
    write_file("/etc/hosts", hosts);
    write_file("/etc/resolv.conf", "nameserver " GUEST_DNS "\n");
    flash_configure(cfg.flash);
    if (!mount_volumes()) {
        /* Running a database without its data volume would be worse. */
        agent_log("not starting the app: volumes missing");
        ctl_sendf(T_EXITED, 0, "exit 125");
        return;
    }
    start_app();
}

static void app_read(int *fd, int drain)
{
    char chunk[65536];
    uint32_t chan = fd == &app_out ? 1 : 2;
    while (*fd >= 0) {
        ssize_t n = read(*fd, chunk, sizeof(chunk));
        if (n > 0) {
            ctl_send(T_LOG, chan, chunk, (size_t)n);
            if (drain)
                continue;
            return;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        close(*fd);
        *fd = -1;
    }
}

static void app_event(void *ctx, short revents)
{
    (void)revents;
    app_read(ctx, 0);
}

static void app_exited(int status)
{
    char text[32];
    /* Output written before the exit is in the pipes: send it first. */
    app_read(&app_out, 1);
    app_read(&app_err, 1);
    status_text(status, text, sizeof(text));
    console_log("app exited: %s", text);
    ctl_sendf(T_EXITED, 0, "%s", text);
    app_pid = 0;
}

static int sigfd = -1;

static void reap(void *ctx, short revents)
{
    struct signalfd_siginfo si;
    int status;
    pid_t pid;
    (void)ctx;
    (void)revents;
    while (read(sigfd, &si, sizeof(si)) == sizeof(si))
        ;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == app_pid)
            app_exited(status);
        else
            exec_child_exited(pid, status);
    }
}

/* ---- shutdown ---- */

static void power_off(void)
{
    int status;
    /* Whatever is left (exec sessions, daemons the app left behind) goes now,
     * and must be gone before its files' filesystems are unmounted. */
    kill(-1, SIGKILL);
    for (int64_t end = now_ms() + 3000; now_ms() < end;) {
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == ECHILD)
            break;
        if (pid == 0)
            usleep(5000);
    }
    ctl_flush();
    ctl_drain(2000);
    sync();
    for (size_t i = mounted.n; i-- > 0;) {
        if (umount(mounted.v[i]) < 0) {
            dprintf(2, "lttle-init: umount %s: %s\n", mounted.v[i], strerror(errno));
            umount2(mounted.v[i], MNT_DETACH);
        }
    }
    mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL);
    sync();
    console_log("power off");
    reboot(RB_POWER_OFF);
    for (;;)
        pause();
}

static void shutdown_begin(const char *p, size_t n)
{
    char text[64];
    int sig = SIGTERM, grace = 10;
    snprintf(text, sizeof(text), "%.*s", (int)(n < 63 ? n : 63), p);
    if (sscanf(text, "%d %d", &sig, &grace) < 1 || sig <= 0 || sig > 64)
        agent_log("bad SHUTDOWN '%s'; using %d %d", text, SIGTERM, 10), sig = SIGTERM;
    if (grace < 0)
        grace = 0;
    if (shutting_down)
        return;
    shutting_down = 1;
    console_log("shutdown: signal %d, grace %d s", sig, grace);
    if (app_pid > 0)
        kill(app_pid, sig);
    shutdown_deadline = now_ms() + (int64_t)grace * 1000;
}

static void shutdown_tick(void)
{
    if (!shutting_down)
        return;
    if (app_pid <= 0)
        power_off();
    if (now_ms() >= shutdown_deadline) {
        if (shutdown_killed)
            power_off(); /* not even SIGKILL got it reaped: give up on it */
        agent_log("grace period over: killing every process");
        kill(-1, SIGKILL);
        shutdown_killed = 1;
        shutdown_deadline = now_ms() + 2000;
    }
    wake_at(shutdown_deadline);
}

/* ---- frames from the host ---- */

void handle_frame(uint8_t type, uint32_t chan, const char *p, size_t n)
{
    switch (type) {
    case T_CONFIG:
        configure(p, n);
        break;
    case T_CLOCK:
        set_clock(p, n);
        ctl_send(T_CLOCK_SET, 0, NULL, 0);
        break;
    case T_SHUTDOWN:
        shutdown_begin(p, n);
        break;
    case T_PING:
        ctl_send(T_PONG, 0, p, n);
        break;
    case T_EXEC_START:
    case T_EXEC_STDIN:
    case T_EXEC_EOF:
    case T_EXEC_RESIZE:
    case T_EXEC_SIGNAL:
    case T_EXEC_CREDIT:
        exec_frame(type, chan, p, n);
        break;
    default:
        agent_log("unknown frame type 0x%02x", type);
    }
}

int main(void)
{
    char root_serial[64], root_dev[300];
    sigset_t mask;

    if (getpid() != 1) {
        fprintf(stderr, "lttle-init: runs only as PID 1 of an lttle VM\n");
        return 1;
    }
    boot_start = now_ms();
    early_mounts();
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

    load_modules();
    console_log("modules loaded");
    ctl_open("lttle.control");
    cmdline_value("lttle.root", root_serial, sizeof(root_serial), "root");
    if (find_disk(root_serial, root_dev, sizeof(root_dev), 10000) < 0) {
        agent_log("no disk with serial '%s'", root_serial);
        ctl_drain(1000);
        die_soft("no root disk");
    }
    switch_root(root_dev);
    root_mounts();
    net_setup();
    flash_init();
    console_log("ready, waiting for CONFIG");

    for (;;) {
        nwatch = 0;
        next_wake = -1;
        watch(sigfd, POLLIN, reap, NULL);
        ctl_watch();
        flash_watch();
        exec_watch();
        if (ctl_backlog() < CTL_OUT_HIGH) {
            if (app_out >= 0)
                watch(app_out, POLLIN, app_event, &app_out);
            if (app_err >= 0)
                watch(app_err, POLLIN, app_event, &app_err);
        }
        flash_tick();
        shutdown_tick();

        int timeout = -1;
        if (next_wake >= 0) {
            int64_t d = next_wake - now_ms();
            timeout = d < 0 ? 0 : d > 60000 ? 60000 : (int)d;
        }
        int n = poll(pfds, (nfds_t)nwatch, timeout);
        for (int i = 0; n > 0 && i < nwatch; i++)
            if (pfds[i].revents)
                handlers[i].fn(handlers[i].ctx, pfds[i].revents);
        exec_tick();
        ctl_flush();
    }
}

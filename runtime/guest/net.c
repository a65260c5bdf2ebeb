/* The guest's network (see net.h). */
#include "net.h"
#include "control.h"
#include "loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define GUEST_ADDR "10.0.2.15"
#define GUEST_MASK "255.255.255.0"
#define GUEST_GW "10.0.2.2"
#define GUEST_DNS "10.0.2.3"

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
void net_setup(void)
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

/* The internal service lines of the latest SERVICES (services.c). */
static char *service_lines;

void net_hosts(const char *services)
{
    const char *name = cfg.hostname ? cfg.hostname : "lttle";
    if (services != service_lines) {
        free(service_lines);
        service_lines = strdup(services);
    }
    size_t len = strlen(name) + strlen(service_lines ? service_lines : "") + 128;
    char *hosts = malloc(len);
    if (!hosts)
        die_soft("out of memory");
    snprintf(hosts, len, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n%s",
             GUEST_ADDR, name, service_lines ? service_lines : "");
    /* Renamed into place: a resolver reading it meanwhile sees the old or the new file. */
    write_file("/etc/hosts.lttle-new", hosts);
    if (rename("/etc/hosts.lttle-new", "/etc/hosts") < 0)
        agent_log("replacing /etc/hosts: %s", strerror(errno));
    free(hosts);
}

void net_identity(const char *hostname)
{
    if (sethostname(hostname, strlen(hostname)) < 0)
        agent_log("hostname: %s", strerror(errno));
    net_hosts(service_lines ? service_lines : "");
    write_file("/etc/resolv.conf", "nameserver " GUEST_DNS "\n");
}

/* Steering of connections to 127.77.0.0/16 to one socket (see steer.h): a
 * BPF sk_lookup program, written out as instructions because the agent is a
 * static binary without libbpf. */
#include "steer.h"
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static long bpf(int cmd, union bpf_attr *attr)
{
    return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define CTX(field) ((int16_t)offsetof(struct bpf_sk_lookup, field))

int steer_to(int listener)
{
    static char log[8192];
    union bpf_attr attr;
    uint32_t key = 0, value = (uint32_t)listener;

    memset(&attr, 0, sizeof(attr));
    attr.map_type = BPF_MAP_TYPE_SOCKMAP;
    attr.key_size = sizeof(key);
    attr.value_size = sizeof(value);
    attr.max_entries = 1;
    int map = (int)bpf(BPF_MAP_CREATE, &attr);
    if (map < 0) {
        agent_log("internal services: BPF map: %s", strerror(errno));
        return -1;
    }
    memset(&attr, 0, sizeof(attr));
    attr.map_fd = (uint32_t)map;
    attr.key = (uint64_t)(uintptr_t)&key;
    attr.value = (uint64_t)(uintptr_t)&value;
    attr.flags = BPF_ANY;
    if (bpf(BPF_MAP_UPDATE_ELEM, &attr) < 0) {
        agent_log("internal services: BPF map update: %s", strerror(errno));
        close(map);
        return -1;
    }

    /* IPv4 TCP to 127.77.*.* goes to the socket in the map; everything else
     * takes the usual way (SK_PASS without a socket assigned). Jump offsets
     * count instructions after the jump; the last two are `pass`. */
    const struct bpf_insn prog[] = {
        INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0),
        INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_6, CTX(family), 0),
        INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 19, AF_INET),
        INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_6, CTX(protocol), 0),
        INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 17, IPPROTO_TCP),
        /* network order in memory: 127 and 77 are the low bytes on x86 */
        INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_6, CTX(local_ip4), 0),
        INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff),
        INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 14, 77 << 8 | 127),
        INSN(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, 0),
        INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map),
        INSN(0, 0, 0, 0, 0),
        INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
        INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4),
        INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
        INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 7, 0),
        INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_7, BPF_REG_0, 0, 0),
        INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0),
        INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_7, 0, 0),
        INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, 0),
        INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_sk_assign),
        /* the map lookup took a reference; give it back */
        INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_7, 0, 0),
        INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_sk_release),
        INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, SK_PASS),
        INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    };
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_SK_LOOKUP;
    attr.expected_attach_type = BPF_SK_LOOKUP;
    attr.insns = (uint64_t)(uintptr_t)prog;
    attr.insn_cnt = sizeof(prog) / sizeof(prog[0]);
    attr.license = (uint64_t)(uintptr_t) "GPL";
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = sizeof(log);
    attr.log_level = 1;
    int fd = (int)bpf(BPF_PROG_LOAD, &attr);
    close(map); /* the program holds it now */
    if (fd < 0) {
        agent_log("internal services: BPF program: %s: %.900s", strerror(errno), log);
        return -1;
    }

    int netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    memset(&attr, 0, sizeof(attr));
    attr.link_create.prog_fd = (uint32_t)fd;
    attr.link_create.target_fd = (uint32_t)netns;
    attr.link_create.attach_type = BPF_SK_LOOKUP;
    int link = (int)bpf(BPF_LINK_CREATE, &attr);
    int err = errno;
    close(fd);
    if (netns >= 0)
        close(netns);
    if (link < 0) {
        agent_log("internal services: BPF attach: %s", strerror(err));
        return -1;
    }
    /* The link stays attached while this fd is open: for the agent's life. */
    fcntl(link, F_SETFD, FD_CLOEXEC);
    return 0;
}

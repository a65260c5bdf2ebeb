/*
 * lttle-pageout PID FILE: writes back the pages of FILE that process PID maps
 * shared (a paused QEMU's guest RAM, runtime/src/vm/page-out.ts) and drops them
 * from host memory, leaving the process as it is. A later touch faults them in
 * again from FILE. process_madvise(MADV_PAGEOUT) on another process has no Node
 * binding, hence this helper; it needs CAP_SYS_NICE (exit 3 without it).
 * Prints the bytes of the mappings it paged out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define MAX_RANGES 16

/* The mappings of the file (by device and inode: a path in maps may be ambiguous). */
static int file_ranges(pid_t pid, const struct stat *st, struct iovec *ranges)
{
	char path[64], line[4096];
	int n = 0;
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *maps = fopen(path, "r");
	if (!maps)
		return -1;
	while (n < MAX_RANGES && fgets(line, sizeof line, maps)) {
		unsigned long start, end, offset, inode;
		unsigned int major_no, minor_no;
		char perms[5];
		if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu", &start, &end, perms, &offset, &major_no, &minor_no, &inode) != 7)
			continue;
		if (inode != st->st_ino || makedev(major_no, minor_no) != st->st_dev || perms[3] != 's')
			continue;
		ranges[n].iov_base = (void *)start;
		ranges[n].iov_len = end - start;
		n++;
	}
	fclose(maps);
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: lttle-pageout PID FILE\n");
		return 2;
	}
	pid_t pid = (pid_t)strtol(argv[1], NULL, 10);
	const char *file = argv[2];

	/* Reclaim drops clean pages only: write the dirty ones first. */
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || fdatasync(fd) != 0) {
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
		return 1;
	}
	close(fd);

	struct iovec ranges[MAX_RANGES];
	int n = file_ranges(pid, &st, ranges);
	if (n < 0) {
		fprintf(stderr, "process %d: %s\n", (int)pid, strerror(errno));
		return 1;
	}
	if (n == 0) {
		fprintf(stderr, "process %d maps no part of %s\n", (int)pid, file);
		return 1;
	}
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		fprintf(stderr, "process %d: %s\n", (int)pid, strerror(errno));
		return 1;
	}
	long done = syscall(SYS_process_madvise, pidfd, ranges, (size_t)n, MADV_PAGEOUT, 0U);
	if (done < 0) {
		int err = errno;
		fprintf(stderr, "process_madvise: %s\n", strerror(err));
		return err == EPERM ? 3 : 1;
	}
	printf("%ld\n", done);
	return 0;
}

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
#include <sys/uio.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define MAX_RANGES 16

/* The shared mappings of the file: its inode, and its path as the kernel prints it
 * (the device number in maps differs from stat's on btrfs and overlayfs). */
static int file_ranges(pid_t pid, const char *real, ino_t ino, struct iovec *ranges)
{
	char path[64], line[4096 + 256];
	int n = 0;
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *maps = fopen(path, "r");
	if (!maps)
		return -1;
	while (n < MAX_RANGES && fgets(line, sizeof line, maps)) {
		unsigned long start, end, offset, inode;
		unsigned int major_no, minor_no;
		char perms[5];
		int name_at = 0;
		if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &start, &end, perms, &offset, &major_no, &minor_no, &inode, &name_at) != 7 || !name_at)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (inode != (unsigned long)ino || perms[3] != 's' || strcmp(line + name_at, real) != 0)
			continue;
		ranges[n].iov_base = (void *)start;
		ranges[n].iov_len = end - start;
		n++;
	}
	fclose(maps);
	return n;
}

/* One range in steps the kernel takes whole (a call covers at most about 2 GiB). */
static int page_out(int pidfd, struct iovec range)
{
	const size_t step = (size_t)1 << 30;
	for (size_t at = 0; at < range.iov_len; at += step) {
		struct iovec part = { (char *)range.iov_base + at, range.iov_len - at < step ? range.iov_len - at : step };
		long done = syscall(SYS_process_madvise, pidfd, &part, (size_t)1, MADV_PAGEOUT, 0U);
		if (done < 0)
			return -1;
		if ((size_t)done != part.iov_len) {
			errno = EIO;
			return -1;
		}
	}
	return 0;
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

	char real[4096];
	if (!realpath(file, real)) {
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
		return 1;
	}
	struct iovec ranges[MAX_RANGES];
	int n = file_ranges(pid, real, st.st_ino, ranges);
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
	long done = 0;
	for (int i = 0; i < n; i++) {
		if (page_out(pidfd, ranges[i]) != 0) {
			int err = errno;
			fprintf(stderr, "process_madvise: %s\n", strerror(err));
			return err == EPERM ? 3 : 1;
		}
		done += (long)ranges[i].iov_len;
	}
	printf("%ld\n", done);
	return 0;
}

/*
 * lttle-dedupe BASE FILE: makes every 4 KiB page of FILE that is identical to
 * some page of BASE share BASE's disk blocks (FIDEDUPERANGE), wherever the two
 * pages lie in their files. FILE is a deep-suspended app's memory file and BASE
 * the memory file kept for its image (runtime/src/vm/shared-pages.ts): apps of
 * one image hold the same kernel and PostgreSQL code at different guest
 * addresses. The kernel compares the bytes again under its locks and shares
 * only what is still equal, so a page that changed is left as it is; a later
 * write to a shared page copies it first (reflink semantics).
 * Has no Node binding (an ioctl), hence this helper. Prints JSON with the
 * non-zero bytes of FILE and those now shared. Exit 4: the filesystem cannot
 * share blocks between files (ext4; XFS with reflink and btrfs can).
 *
 * lttle-dedupe --cow-granule PATH...: a write to a shared block copies one
 * 4 KiB block, not XFS's default of 32 (a guest writes scattered pages: with
 * 128 KiB per copy a fork's first query cost 95 MiB). Set on the memory files
 * and on their directories, which pass it on to files made in them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE 4096
#define MAX_RUN (16u << 20)
#define EXIT_CANNOT_SHARE 4

struct slot {
	uint64_t hash;
	uint64_t offset_plus_one; /* 0: empty */
};

struct table {
	struct slot *slots;
	uint64_t mask;
};

struct run {
	uint64_t base_offset, file_offset, length;
};

static uint64_t page_hash(const unsigned char *page)
{
	const uint64_t *words = (const uint64_t *)page;
	uint64_t h = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < PAGE / sizeof *words; i++) {
		h ^= words[i];
		h *= 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	return h;
}

static int all_zero(const unsigned char *page)
{
	const uint64_t *words = (const uint64_t *)page;
	for (size_t i = 0; i < PAGE / sizeof *words; i++)
		if (words[i])
			return 0;
	return 1;
}

/* Calls visit(offset) for each page of the file's data extents (holes skipped). */
typedef void (*page_visitor)(uint64_t offset, void *ctx);
static void each_data_page(int fd, uint64_t size, page_visitor visit, void *ctx)
{
	off_t at = 0;
	while ((uint64_t)at < size) {
		off_t data = lseek(fd, at, SEEK_DATA);
		if (data < 0)
			return;
		off_t hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			hole = (off_t)size;
		for (uint64_t page = (uint64_t)data & ~(uint64_t)(PAGE - 1); page + PAGE <= (uint64_t)hole; page += PAGE)
			visit(page, ctx);
		at = hole;
	}
}

struct indexing {
	struct table *table;
	const unsigned char *base;
};

static void index_page(uint64_t offset, void *ctx)
{
	struct indexing *ix = ctx;
	const unsigned char *page = ix->base + offset;
	if (all_zero(page))
		return;
	uint64_t h = page_hash(page);
	for (uint64_t i = h & ix->table->mask;; i = (i + 1) & ix->table->mask) {
		struct slot *s = &ix->table->slots[i];
		if (!s->offset_plus_one) {
			s->hash = h;
			s->offset_plus_one = offset + 1;
			return;
		}
		if (s->hash == h && !memcmp(ix->base + s->offset_plus_one - 1, page, PAGE))
			return; /* the same content is indexed already */
	}
}

static int64_t find(const struct table *t, const unsigned char *base, const unsigned char *page)
{
	uint64_t h = page_hash(page);
	for (uint64_t i = h & t->mask;; i = (i + 1) & t->mask) {
		const struct slot *s = &t->slots[i];
		if (!s->offset_plus_one)
			return -1;
		if (s->hash == h && !memcmp(base + s->offset_plus_one - 1, page, PAGE))
			return (int64_t)(s->offset_plus_one - 1);
	}
}

struct sharing {
	const struct table *table;
	const unsigned char *base, *file;
	int base_fd, file_fd;
	struct run run;
	uint64_t data_bytes, shared_bytes;
	int cannot_share; /* errno of a refusal by the filesystem */
	int failed;       /* errno of any other failure */
};

static int refusal(int err)
{
	return err == EOPNOTSUPP || err == EINVAL || err == ENOTTY || err == EXDEV;
}

/* Asks the kernel to share the pending run; it may take less than asked per call. */
static void flush(struct sharing *sh)
{
	struct {
		struct file_dedupe_range range;
		struct file_dedupe_range_info info;
	} req;
	struct run r = sh->run;
	sh->run.length = 0;
	while (r.length && !sh->cannot_share && !sh->failed) {
		memset(&req, 0, sizeof req);
		req.range.src_offset = r.base_offset;
		req.range.src_length = r.length;
		req.range.dest_count = 1;
		req.info.dest_fd = sh->file_fd;
		req.info.dest_offset = r.file_offset;
		int err = ioctl(sh->base_fd, FIDEDUPERANGE, &req) ? errno : req.info.status < 0 ? -req.info.status : 0;
		if (err) {
			if (refusal(err))
				sh->cannot_share = err;
			else
				sh->failed = err;
			return;
		}
		if (req.info.status == FILE_DEDUPE_RANGE_DIFFERS || !req.info.bytes_deduped)
			return; /* changed since it was compared: left unshared */
		sh->shared_bytes += req.info.bytes_deduped;
		r.base_offset += req.info.bytes_deduped;
		r.file_offset += req.info.bytes_deduped;
		r.length -= req.info.bytes_deduped;
	}
}

static void share_page(uint64_t offset, void *ctx)
{
	struct sharing *sh = ctx;
	const unsigned char *page = sh->file + offset;
	if (sh->cannot_share || sh->failed || all_zero(page))
		return;
	sh->data_bytes += PAGE;
	int64_t at = find(sh->table, sh->base, page);
	if (at < 0)
		return;
	struct run *r = &sh->run;
	if (r->length && r->length < MAX_RUN && r->file_offset + r->length == offset && r->base_offset + r->length == (uint64_t)at) {
		r->length += PAGE;
		return;
	}
	flush(sh);
	*r = (struct run){ (uint64_t)at, offset, PAGE };
}

/* Copies on write in single blocks (XFS's CoW extent size hint); 0, or an errno. */
static int set_cow_granule(int fd)
{
	struct fsxattr fa;
	if (ioctl(fd, FS_IOC_FSGETXATTR, &fa))
		return errno;
	if ((fa.fsx_xflags & FS_XFLAG_COWEXTSIZE) && fa.fsx_cowextsize == PAGE)
		return 0;
	fa.fsx_xflags |= FS_XFLAG_COWEXTSIZE;
	fa.fsx_cowextsize = PAGE;
	return ioctl(fd, FS_IOC_FSSETXATTR, &fa) ? errno : 0;
}

static int cow_granule(int paths, char **path)
{
	for (int i = 0; i < paths; i++) {
		int fd = open(path[i], O_RDONLY);
		int err = fd < 0 ? errno : set_cow_granule(fd);
		if (fd >= 0)
			close(fd);
		if (err && refusal(err)) {
			fprintf(stderr, "lttle-dedupe: the filesystem has no copy-on-write granule (%s)\n", strerror(err));
			return EXIT_CANNOT_SHARE;
		}
		if (err) {
			fprintf(stderr, "lttle-dedupe: %s: %s\n", path[i], strerror(err));
			return 1;
		}
	}
	return 0;
}

static const unsigned char *map_file(int fd, uint64_t size)
{
	if (!size)
		return NULL;
	void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--cow-granule"))
		return cow_granule(argc - 2, argv + 2);
	if (argc != 3) {
		fprintf(stderr, "usage: lttle-dedupe BASE FILE | lttle-dedupe --cow-granule PATH...\n");
		return 2;
	}
	int base_fd = open(argv[1], O_RDONLY);
	int file_fd = open(argv[2], O_RDWR);
	struct stat base_st, file_st;
	if (base_fd < 0 || file_fd < 0 || fstat(base_fd, &base_st) || fstat(file_fd, &file_st)) {
		fprintf(stderr, "lttle-dedupe: %s\n", strerror(errno));
		return 1;
	}
	const unsigned char *base = map_file(base_fd, (uint64_t)base_st.st_size);
	const unsigned char *file = map_file(file_fd, (uint64_t)file_st.st_size);
	uint64_t slots = 1024;
	while (slots < 2 * ((uint64_t)base_st.st_blocks * 512 / PAGE))
		slots <<= 1;
	struct table table = { calloc(slots, sizeof(struct slot)), slots - 1 };
	if ((base_st.st_size && !base) || (file_st.st_size && !file) || !table.slots) {
		fprintf(stderr, "lttle-dedupe: %s\n", strerror(errno ? errno : ENOMEM));
		return 1;
	}
	/* Best effort here: the filesystem says below whether it shares at all. */
	set_cow_granule(file_fd);
	struct indexing ix = { &table, base };
	each_data_page(base_fd, (uint64_t)base_st.st_size, index_page, &ix);
	struct sharing sh = { &table, base, file, base_fd, file_fd, { 0, 0, 0 }, 0, 0, 0, 0 };
	each_data_page(file_fd, (uint64_t)file_st.st_size, share_page, &sh);
	flush(&sh);
	if (sh.cannot_share) {
		fprintf(stderr, "lttle-dedupe: the filesystem cannot share blocks between files (%s)\n", strerror(sh.cannot_share));
		return EXIT_CANNOT_SHARE;
	}
	if (sh.failed) {
		fprintf(stderr, "lttle-dedupe: %s\n", strerror(sh.failed));
		return 1;
	}
	printf("{\"dataBytes\":%llu,\"sharedBytes\":%llu}\n", (unsigned long long)sh.data_bytes, (unsigned long long)sh.shared_bytes);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * The writer's slow paths: creating the record file and claiming chunks
 * of chunks. Every system call goes through syscall() so that none of them
 * reaches a hook, and through a table of function pointers
 * (keke_writer_sys) so that tests can inject failures such as ENOSPC.
 */
#include "runtime/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "record/clock.h"
#include "record/once.h"
#include "runtime/boot_id.h"
#include "runtime/text.h"
#include "runtime/writer_sys.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

__thread struct keke_thread_state keke_thread KEKE_TLS;

#define FIRST_RESERVE 8192u	/* of a thread's first chunk, at first */
#define RETRY_AFTER_DROPS 4096u	/* events dropped before claiming again */

static struct {
	bool active;
	bool deferred;		/* atomic: active, the file not made yet */
	int making;		/* atomic: a thread makes the deferred file */
	uint64_t dev, ino;	/* the file's identity, to know it again */
	int pid;
	struct keke_file_header *hdr;
	uint64_t image_start;	/* ticks */
	uint64_t early_dropped;	/* atomic: counted before the file is made */
	uint64_t early_filtered;
	/* A fork parent's mappings a deferred file's child still has: the
	 * header, and the forking thread's chunk. */
	void *stale_hdr;
	uint8_t *stale_chunk;
	uint32_t next_chunk;	/* atomic: chunks claimed so far */
} writer;

/* The record file's path: in the short buffer unless long (once.h). */
static char path_short[192];
static char path_long[PATH_MAX] KEKE_BULK;
static char *writer_path = path_short;

/* errno is the program's: every entry point here saves it. */
struct errno_guard {
	int saved;
};

static KEKE_ONCE struct errno_guard errno_save(void)
{
	return (struct errno_guard){ errno };
}

static KEKE_ONCE void errno_restore(struct errno_guard g)
{
	errno = g.saved;
}

KEKE_ONCE bool keke_writer_active(void)
{
	return writer.active;
}

KEKE_ONCE int keke_writer_pid(void)
{
	return writer.pid;
}

const char *keke_writer_path(void)
{
	return writer.active ? writer_path : "";
}

void keke_writer_drop(uint64_t n)
{
	__atomic_fetch_add(writer.hdr ? &writer.hdr->dropped :
			   &writer.early_dropped, n, __ATOMIC_RELAXED);
}

void keke_writer_filtered(uint64_t n)
{
	__atomic_fetch_add(writer.hdr ? &writer.hdr->filtered :
			   &writer.early_filtered, n, __ATOMIC_RELAXED);
}

KEKE_ONCE uint64_t keke_writer_image_start(void)
{
	return writer.image_start;
}

KEKE_ONCE void keke_writer_refresh_anchor(void)
{
	if (!writer.hdr)
		return;
	struct keke_anchor a = keke_clock_anchor();

	/* Two threads may interleave here; a mixed pair is off by
	 * microseconds over a span of seconds, which the merge tolerates. */
	__atomic_store_n(&writer.hdr->latest.ticks, a.ticks, __ATOMIC_RELAXED);
	__atomic_store_n(&writer.hdr->latest.mono_ns, a.mono_ns,
			 __ATOMIC_RELAXED);
}

/* Extends the file to cover [off, off + len) with real blocks, so a later
 * store into the mapping can never SIGBUS for lack of space. */
static KEKE_ONCE int reserve(int fd, off_t off, off_t len)
{
	struct rlimit limit;

	/* Growing a file past RLIMIT_FSIZE sends SIGXFSZ, which would kill
	 * the program: stay below it and drop events instead. */
	if (syscall(SYS_prlimit64, 0, RLIMIT_FSIZE, NULL, &limit) == 0 &&
	    limit.rlim_cur != RLIM_INFINITY &&
	    (uint64_t)(off + len) > (uint64_t)limit.rlim_cur) {
		errno = EFBIG;
		return -1;
	}
	if (keke_writer_sys.fallocate(fd, 0, off, len) == 0)
		return 0;
	if (errno != EOPNOTSUPP)
		return -1;
	/* File systems without fallocate: write the zeros ourselves. */
	static const uint8_t zeros[4096];
	for (off_t done = 0; done < len; done += (off_t)sizeof(zeros)) {
		if (keke_writer_sys.pwrite(fd, zeros, sizeof(zeros),
					   off + done) != sizeof(zeros))
			return -1;
	}
	return 0;
}

/*
 * Opens the record file for a moment, to reserve or copy into it: keke
 * holds no fd between events, since the program could see one (fstat,
 * fcntl, close, /proc/self/fd, one fd fewer before EMFILE). The file is
 * opened by its path but used only when it is still the file mapped: a
 * file put in its place is never extended (a store into the mapping past
 * the real file's end would be SIGBUS). Returns the fd (close it with
 * keke_writer_sys.close), or -1 with errno set.
 */
static KEKE_ONCE int open_file(void)
{
	struct stat st;
	int fd = keke_writer_sys.open(writer_path, O_RDWR | O_CLOEXEC |
				      O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (keke_writer_sys.fstat(fd, &st) != 0 ||
	    (uint64_t)st.st_dev != writer.dev ||
	    (uint64_t)st.st_ino != writer.ino) {
		keke_writer_sys.close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

/*
 * Reserves [@off, @off + @len) of the record file. Returns the fd it
 * opened for that (close it when done), or -1.
 */
static KEKE_ONCE int reserve_in_file(off_t off, size_t len)
{
	int fd = open_file();

	if (fd >= 0 && reserve(fd, off, (off_t)len) != 0) {
		keke_writer_sys.close(fd);
		fd = -1;
	}
	return fd;
}

/* Faults @len bytes at @p in writable now (Linux 5.14+; ignored before):
 * otherwise every 4 KiB of records takes a write fault on the hot path,
 * which MAP_POPULATE does not spare a shared file mapping. */
static KEKE_ONCE void populate(void *p, size_t len)
{
	syscall(SYS_madvise, p, len, MADV_POPULATE_WRITE);
}

/* Maps @len bytes of the record file at @off, of which the first
 * @reserved are reserved. Returns the mapping or NULL. */
static KEKE_ONCE void *map_file_range(off_t off, size_t len, size_t reserved)
{
	int fd = reserve_in_file(off, reserved);
	void *p;

	if (fd < 0)
		return NULL;
	p = keke_writer_sys.mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
				 fd, off);
	keke_writer_sys.close(fd);
	if (p == MAP_FAILED)
		return NULL;
	populate(p, reserved);
	return p;
}

/*
 * Below, the calling thread's state is used by name (keke_thread.x), never
 * through a pointer: GCC 12's UBSan miscompiles its null check of a TLS
 * variable's address.
 */

/*
 * Gives the calling thread's mapping back. The thread's state forgets the
 * chunk before it is unmapped: a signal handler that records meanwhile
 * claims a chunk of its own, never writes into one that is gone.
 */
static KEKE_ONCE void release_chunk(void)
{
	uint8_t *chunk = keke_thread.chunk;

	keke_thread.chunk = keke_thread.cur = keke_thread.chunk_end = NULL;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (chunk)
		keke_writer_sys.munmap(chunk, KEKE_CHUNK_SIZE);
}

KEKE_ONCE void keke_writer_thread_end(void)
{
	keke_busy_set(KEKE_BUSY_ENDED);
	release_chunk();
}

/* Starts the thread's chunk (again): header, magic last. */
static KEKE_ONCE void start_chunk(void)
{
	struct keke_chunk_header *h =
		(struct keke_chunk_header *)keke_thread.chunk;

	h->tid = keke_thread.tid;
	h->seq = keke_thread.seq++;
	__atomic_store_n(&h->magic, KEKE_CHUNK_MAGIC, __ATOMIC_RELEASE);
	keke_thread.cur = keke_thread.chunk + sizeof(*h);
}

/* How much of a chunk of which @used bytes are used must be reserved for
 * @len more: whole pages, and at least @at_least bytes. */
static KEKE_ONCE size_t room_for(size_t used, size_t len, size_t at_least)
{
	size_t need = (used + len + 4095) & ~(size_t)4095;

	return need > at_least ? need : at_least;
}

/*
 * Reserves more of the thread's chunk, which is reserved a few pages at a
 * time (most processes write less than a page of records, and each page
 * costs them a fault or a clear): twice as much as so far, or enough for
 * @len bytes, up to the whole chunk. Returns false when it cannot.
 */
static KEKE_ONCE bool grow_chunk(size_t len)
{
	size_t have = (size_t)(keke_thread.chunk_end - keke_thread.chunk);
	size_t used = (size_t)(keke_thread.cur - keke_thread.chunk);
	size_t want = room_for(used, len, 2 * have);
	int fd;

	if (want > KEKE_CHUNK_SIZE)
		want = KEKE_CHUNK_SIZE;
	if (used + len > want)
		return false;
	fd = reserve_in_file(keke_thread.chunk_off + (off_t)have, want - have);
	if (fd < 0)
		return false;
	keke_writer_sys.close(fd);
	populate(keke_thread.chunk_end, want - have);
	keke_thread.chunk_end = keke_thread.chunk + want;
	return true;
}

/* Makes the chunk mapped at @p, at @off in the file and reserved for its
 * first @reserved bytes, the calling thread's, and starts it. */
static KEKE_ONCE void take_chunk(uint8_t *p, off_t off, size_t reserved)
{
	release_chunk();
	if (!keke_thread.tid)
		keke_thread.tid = (int32_t)syscall(SYS_gettid);
	keke_thread.chunk = p;
	keke_thread.chunk_off = off;
	keke_thread.chunk_end = p + reserved;
	start_chunk();
}

/* Claims the calling thread's chunk, with room for a record of @len
 * bytes. */
static KEKE_ONCE bool claim_chunk(size_t len)
{
	uint32_t index = __atomic_fetch_add(&writer.next_chunk, 1,
					    __ATOMIC_RELAXED);
	off_t off = KEKE_HEADER_SIZE + (off_t)index * KEKE_CHUNK_SIZE;
	size_t reserved = room_for(sizeof(struct keke_chunk_header), len,
				   FIRST_RESERVE);
	uint8_t *p = map_file_range(off, KEKE_CHUNK_SIZE, reserved);

	if (!p)
		return false;
	take_chunk(p, off, reserved);
	keke_writer_refresh_anchor();
	return true;
}

/*
 * Copies the calling thread's chunk, its records so far, to a chunk of its
 * own further in the file, with pwrite, and starts the thread's chunk
 * again, empty, as the next in its numbering. The thread thus writes its
 * records into the same few pages, whose first touch is what costs here,
 * and the kernel fills the file's new pages without faults. Each record
 * is in the file at every moment: a process killed before the copy is
 * marked done leaves the records twice, which the reader keeps once.
 */
static KEKE_ONCE bool flush_chunk(void)
{
	struct keke_chunk_header *h =
		(struct keke_chunk_header *)keke_thread.chunk;
	size_t used = (size_t)(keke_thread.cur - keke_thread.chunk);
	uint32_t index = __atomic_fetch_add(&writer.next_chunk, 1,
					    __ATOMIC_RELAXED);
	off_t off = KEKE_HEADER_SIZE + (off_t)index * KEKE_CHUNK_SIZE;
	int fd = reserve_in_file(off, KEKE_CHUNK_SIZE);
	ssize_t n;

	if (fd < 0)
		return false;
	n = keke_writer_sys.pwrite(fd, keke_thread.chunk, used, off);
	keke_writer_sys.close(fd);
	if (n != (ssize_t)used)
		return false;
	__atomic_store_n(&h->magic, KEKE_CHUNK_COPIED, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memset(keke_thread.chunk + sizeof(*h), 0, used - sizeof(*h));
	start_chunk();
	keke_writer_refresh_anchor();
	return true;
}

static bool make_deferred_file(void);

KEKE_ONCE bool keke_writer_make_room(size_t len)
{
	struct errno_guard e = errno_save();
	bool ok = false;

	if (__atomic_load_n(&writer.deferred, __ATOMIC_ACQUIRE)) {
		if (!make_deferred_file())
			goto drop;
		/* The first records may have left room enough. */
		if ((size_t)(keke_thread.chunk_end - keke_thread.cur) >= len) {
			ok = true;
			goto out;
		}
	}
	if (!writer.active || len > KEKE_RECORD_MAX)
		goto drop;
	if (keke_thread.chunk &&
	    keke_thread.chunk_end < keke_thread.chunk + KEKE_CHUNK_SIZE &&
	    !keke_thread.retry_after && grow_chunk(len)) {
		ok = true;
		goto out;
	}
	if (keke_thread.retry_after) {
		keke_thread.retry_after--;
		goto drop;
	}
	ok = keke_thread.chunk ?
		flush_chunk() &&
		(size_t)(keke_thread.chunk_end - keke_thread.cur) >= len :
		claim_chunk(len);
	if (!ok) {
		keke_thread.retry_after = RETRY_AFTER_DROPS;
		goto drop;
	}
	goto out;
drop:
	keke_writer_drop(1);
out:
	errno_restore(e);
	return ok;
}

static KEKE_ONCE void fill_header(struct keke_file_header *h,
				  const struct keke_writer_config *cfg,
				  struct keke_anchor start, uint64_t realtime)
{
	struct utsname uts;

	h->image_start = writer.image_start;
	h->prelude_flow_in = cfg->prelude.flow_in;
	h->prelude_start = cfg->prelude.start;
	h->prelude_exec = cfg->prelude.exec;
	h->dropped = __atomic_exchange_n(&writer.early_dropped, 0,
					 __ATOMIC_RELAXED);
	h->filtered = __atomic_exchange_n(&writer.early_filtered, 0,
					  __ATOMIC_RELAXED);

	h->version = KEKE_FORMAT_VERSION;
	h->header_size = KEKE_HEADER_SIZE;
	h->chunk_size = KEKE_CHUNK_SIZE;
	h->clock = keke_clock_kind;
	h->pid = writer.pid;
	h->ppid = (int32_t)getppid();
	memcpy(h->trace_id, cfg->trace_id, sizeof(h->trace_id));
	memcpy(h->span_id, cfg->span_id, sizeof(h->span_id));
	memcpy(h->remote_parent_span_id, cfg->remote_parent_span_id,
	       sizeof(h->remote_parent_span_id));
	h->trace_flags = cfg->trace_flags;
	h->start_realtime_ns = realtime;
	h->start = start;
	h->latest = start;
	h->flow_in = cfg->flow_in;
	if (syscall(SYS_uname, &uts) == 0)
		keke_copy_str(h->host, sizeof(h->host), uts.nodename);
	keke_boot_id_get(h->boot_id);
	/* The magic last: a header without it is not trusted. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(h->magic, KEKE_FILE_MAGIC, sizeof(h->magic));
}

/* Creates <dir>/<pid>-<ns>[-n].kr exclusively; returns its fd or -errno. */
static KEKE_ONCE int create_file(const char *dir, uint64_t stamp)
{
	/* "/<pid>-<stamp>-<attempt>.kr" and its NUL take 42 bytes at most,
	 * and the name of a note instead (leave_reason) 1 more */
	bool is_short = strlen(dir) + 43 <= sizeof(path_short);
	int pid = writer.pid;

	writer_path = is_short ? path_short : path_long;
	for (int attempt = 0; attempt < 100; attempt++) {
		struct keke_text t = keke_text_start(writer_path, is_short ?
						     sizeof(path_short) :
						     sizeof(path_long));

		keke_text_add(&t, dir);
		keke_text_add(&t, "/");
		keke_text_add_int(&t, pid);
		keke_text_add(&t, "-");
		keke_text_add_u64(&t, stamp);
		if (attempt) {
			keke_text_add(&t, "-");
			keke_text_add_int(&t, attempt);
		}
		keke_text_add(&t, KEKE_FILE_SUFFIX);
		if (!t.ok)
			return -ENAMETOOLONG;
		int fd = keke_writer_sys.open(writer_path,
					      O_RDWR | O_CREAT | O_EXCL |
					      O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

static struct keke_writer_config current_config;

/*
 * Leaves, in place of the record file that could not be made or mapped,
 * a note of why (record.h, KEKE_NOTE_SUFFIX): a symbolic link whose
 * target tells the errno, the parent and the name. Making one takes no fd
 * and no data block (a short target is kept in the inode), so a process
 * out of fds or on a full disk can still tell the merge about itself.
 */
static KEKE_ONCE void leave_reason(int err)
{
	size_t len = strlen(writer_path), cap = writer_path == path_short ?
		     sizeof(path_short) : sizeof(path_long);
	size_t base = len - (sizeof(KEKE_FILE_SUFFIX) - 1);
	char target[48], comm[17] = "";
	struct keke_text t = keke_text_start(target, sizeof(target));

	if (len < sizeof(KEKE_FILE_SUFFIX) ||
	    strcmp(writer_path + base, KEKE_FILE_SUFFIX) ||
	    base + sizeof(KEKE_NOTE_SUFFIX) > cap)
		return;
	memcpy(writer_path + base, KEKE_NOTE_SUFFIX, sizeof(KEKE_NOTE_SUFFIX));
	syscall(SYS_prctl, PR_GET_NAME, comm, 0, 0, 0);
	keke_text_add_int(&t, err);
	keke_text_add(&t, " ");
	keke_text_add_int(&t, (int)getppid());
	keke_text_add(&t, " ");
	keke_text_add(&t, comm);
	syscall(SYS_symlinkat, target, AT_FDCWD, writer_path);
	writer_path[0] = '\0';
}

/* Forgets the calling thread's chunk and numbering (not whether it is
 * busy: a record may be under way, that made this file). */
static KEKE_ONCE void reset_thread(void)
{
	release_chunk();
	keke_thread.tid = 0;
	keke_thread.seq = 0;
	keke_thread.retry_after = 0;
}

/* Forgets the previous file (of this process, or of the parent after
 * fork): it is never written again. Other threads' chunks of it,
 * inherited as mappings only, stay mapped but unused. */
static KEKE_ONCE void forget_file(void)
{
	reset_thread();
	if (writer.hdr)
		keke_writer_sys.munmap(writer.hdr, KEKE_HEADER_SIZE);
	writer.active = false;
	writer.hdr = NULL;
	writer.next_chunk = 0;
}

/* Maps the header and the calling thread's first chunk of the new file
 * @fd (one mapping) and notes which file it is. Returns the mapping, or
 * NULL with errno set. */
static KEKE_ONCE uint8_t *map_header(int fd)
{
	uint8_t *p = NULL;
	struct stat st;

	if (keke_writer_sys.fstat(fd, &st) == 0 &&
	    reserve(fd, 0, KEKE_HEADER_SIZE + FIRST_RESERVE) == 0) {
		p = keke_writer_sys.mmap(NULL, KEKE_HEADER_SIZE +
					 KEKE_CHUNK_SIZE, PROT_READ |
					 PROT_WRITE, MAP_SHARED, fd, 0);
	}
	if (!p || p == MAP_FAILED)
		return NULL;
	writer.dev = (uint64_t)st.st_dev;
	writer.ino = (uint64_t)st.st_ino;
	return p;
}

/* Starts a file for an image that started at @image_start ticks (0:
 * now). */
static KEKE_ONCE int start_file(const struct keke_writer_config *cfg,
				uint64_t image_start)
{
	struct errno_guard e = errno_save();
	int ret;

	forget_file();
	writer.pid = (int)getpid();
	if (cfg != &current_config)
		current_config = *cfg;
	struct keke_anchor start = keke_clock_anchor();
	uint64_t realtime = keke_clock_syscall_ns(CLOCK_REALTIME);

	writer.image_start = image_start ? image_start : start.ticks;

	writer_path[0] = '\0';
	int fd = create_file(cfg->dir, start.mono_ns);
	if (fd < 0) {
		ret = fd;
		leave_reason(-ret);
		goto out;
	}
	uint8_t *p = map_header(fd);

	ret = p ? 0 : -errno;
	keke_writer_sys.close(fd);
	if (ret) {
		/* A file without its header would only be noise. */
		syscall(SYS_unlinkat, AT_FDCWD, writer_path, 0);
		leave_reason(-ret);
		goto out;
	}
	populate(p, KEKE_HEADER_SIZE + FIRST_RESERVE);
	writer.hdr = (struct keke_file_header *)p;
	fill_header(writer.hdr, cfg, start, realtime);
	writer.next_chunk = 1;
	take_chunk(p + KEKE_HEADER_SIZE, KEKE_HEADER_SIZE, FIRST_RESERVE);
	writer.active = true;
out:
	errno_restore(e);
	return ret;
}

KEKE_ONCE int keke_writer_start(const struct keke_writer_config *cfg)
{
	return start_file(cfg, 0);
}

KEKE_ONCE void keke_writer_defer(uint64_t flow_in, const uint8_t span_id[8])
{
	if (keke_thread.busy == KEKE_BUSY_WRITING) {
		/* A signal handler forked in the middle of a record: the code
		 * it interrupted goes on writing into the parent's chunk. It
		 * gets private memory there instead, and this child records
		 * nothing (it is seen from its parent's side). */
		if (keke_thread.chunk)
			keke_writer_sys.mmap(keke_thread.chunk, KEKE_CHUNK_SIZE,
					     PROT_READ | PROT_WRITE,
					     MAP_FIXED | MAP_PRIVATE |
					     MAP_ANONYMOUS, -1, 0);
		writer.hdr = NULL;
		writer.active = false;
		return;
	}
	writer.image_start = keke_now();
	current_config.flow_in = flow_in;
	current_config.prelude = (struct keke_fork_prelude){ 0 };
	for (size_t i = 0; i < sizeof(current_config.span_id); i++) {
		current_config.span_id[i] = span_id[i];
		current_config.remote_parent_span_id[i] = 0;
	}
	current_config.trace_flags = 0;
	/* Only the forking thread lives on: its chunk, and the header, are
	 * the parent's. Unmapping them waits for the file, which a child
	 * that execs at once never makes. */
	if (writer.hdr)		/* else still the grandparent's, if any */
		writer.stale_hdr = writer.hdr;
	writer.stale_chunk = keke_thread.chunk;
	/* So that reset_thread leaves it mapped. */
	keke_thread.chunk = NULL;
	reset_thread();
	writer.hdr = NULL;
	writer.pid = (int)getpid();
	writer.early_dropped = writer.early_filtered = 0;
	writer.making = 0;
	writer.active = true;
	writer.deferred = true;
}

KEKE_ONCE bool keke_writer_unstarted(struct keke_fork_prelude *p)
{
	if (!__atomic_load_n(&writer.deferred, __ATOMIC_ACQUIRE))
		return false;
	p->flow_in = current_config.flow_in;
	p->start = writer.image_start;
	return true;
}

/*
 * Makes the deferred file, once: the first thread to record makes it and
 * writes the first records (cfg->begin); a thread that comes meanwhile
 * waits. Returns whether the writer is active.
 */
static KEKE_ONCE bool make_deferred_file(void)
{
	if (__atomic_exchange_n(&writer.making, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&writer.deferred, __ATOMIC_ACQUIRE))
			syscall(SYS_sched_yield);
		return writer.active;
	}
	if (writer.stale_hdr)
		keke_writer_sys.munmap(writer.stale_hdr, KEKE_HEADER_SIZE);
	if (writer.stale_chunk)
		keke_writer_sys.munmap(writer.stale_chunk, KEKE_CHUNK_SIZE);
	writer.stale_hdr = writer.stale_chunk = NULL;
	bool made = start_file(&current_config, writer.image_start) == 0;

	__atomic_store_n(&writer.deferred, false, __ATOMIC_RELEASE);
	if (made && current_config.begin) {
		/* Its records are this thread's first; the record that made
		 * the file follows them. */
		keke_busy_clear();
		current_config.begin();
	}
	keke_busy_set(KEKE_BUSY_WRITING);	/* as keke_rec_begin left it */
	return writer.active;
}

// SPDX-License-Identifier: MIT
/*
 * Call stacks on the slices of the families KEKE_STACKS names (opt-in).
 *
 * libunwind is loaded with dlopen only when stacks are asked for, so a
 * process without them pays nothing at start-up. A stack is captured with
 * unw_backtrace (local unwinding, per-thread caching), keke's own frames
 * dropped, and deduplicated per thread: the first time a thread sees a
 * stack it writes a STACK record (an id and the return addresses); every
 * slice then carries only the id. The modules loaded (path, load bias,
 * address range, build-id) are recorded at start and after each dlopen
 * and dlclose, so the merge can symbolize after the process is gone.
 *
 * The child of a fork made while the parent had other threads captures
 * nothing until it execs: unwinding takes libunwind's locks and the
 * loader's (dl_iterate_phdr), and may allocate, and another thread of the
 * parent may have held any of them at the fork, which in the child no
 * one would ever release. The child of a single-threaded parent is an
 * ordinary process and captures as it did. A vfork child captures nothing
 * either: every hook it calls only forwards (vfork.c).
 */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "record/clock.h"
#include "record/families.h"
#include "record/once.h"
#include "runtime/stacks.h"

#define DEPTH_DEFAULT 32
#define CACHE_SLOTS 4096	/* stacks a thread remembers having written */

uint8_t keke_stack_calls[KEKE_CALL_MAX];

static int (*backtrace_fn)(void **buffer, int size);
static int depth = DEPTH_DEFAULT;
static uintptr_t self_start, self_end;	/* libkeke.so's own code */
static uint64_t next_id;		/* atomic: stack ids of this image */
static bool fork_threaded;	/* the fork under way has threads */
static bool fork_held;		/* a fork child that must not unwind */
static bool modules_unsaid;	/* a fork child: its file has none */

struct stack_cache {
	uint64_t hash[CACHE_SLOTS];
	uint64_t id[CACHE_SLOTS];
};

static __thread struct stack_cache *cache KEKE_TLS;

/* The addresses [*@lo, *@hi) the loaded segments of an object span;
 * *@hi is 0 when it has none. */
static void load_range(const struct dl_phdr_info *info, uintptr_t *lo,
		       uintptr_t *hi)
{
	*lo = UINTPTR_MAX;
	*hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < *lo)
			*lo = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > *hi)
			*hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
}

/* The range of addresses of the object that holds @addr. */
static int find_self(struct dl_phdr_info *info, size_t size, void *addr)
{
	uintptr_t lo, hi;

	(void)size;
	load_range(info, &lo, &hi);
	if ((uintptr_t)addr < lo || (uintptr_t)addr >= hi)
		return 0;
	self_start = lo;
	self_end = hi;
	return 1;
}

#define FD_FLOOR 200	/* fds libunwind's own stay at or above */

/*
 * The first unwind makes libunwind open a pipe for itself (to check that
 * addresses are readable), which would take the lowest free fds and shift
 * every fd number the program gets after it. So unwind once now, with the
 * fds below FD_FLOOR held, and let them go afterwards.
 */
static void warm_up(void)
{
	int held[FD_FLOOR], n = 0;
	void *pcs[4];

	for (;;) {
		int fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null",
				      O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			break;
		if (fd >= FD_FLOOR || n == FD_FLOOR) {
			syscall(SYS_close, fd);
			break;
		}
		held[n++] = fd;
	}
	backtrace_fn(pcs, 4);
	while (n)
		syscall(SYS_close, held[--n]);
}

/* Whether calls of category @cat (calls.def) are of family @bit: the
 * family's name, but "process" for proc. */
static KEKE_ONCE bool in_family(const char *cat, unsigned bit)
{
	if (bit == KEKE_FAMILY_BIT_PROC)
		return !strcmp(cat, "process");
	return !strcmp(cat, keke_family_name(bit));
}

KEKE_ONCE void keke_stacks_init(void *(*open_lib)(const char *path,
						  int flags))
{
	const char *spec = getenv("KEKE_STACKS");
	const char *max = getenv("KEKE_STACK_DEPTH");
	char err[256];
	uint32_t families = 0;
	void *lib;

	if (!spec || !*spec ||
	    keke_parse_families(spec, &families, err, sizeof(err)) != 0 ||
	    !families)
		return;
	if (max && atoi(max) > 0)
		depth = atoi(max) < KEKE_STACK_MAX ? atoi(max) : KEKE_STACK_MAX;
	lib = open_lib("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return;
	backtrace_fn = (int (*)(void **, int))dlsym(lib, "unw_backtrace");
	if (!backtrace_fn)
		return;
	dl_iterate_phdr(find_self, (void *)keke_stacks_init);
	warm_up();
	/* For forks no hook sees (made inside libc). */
	pthread_atfork(keke_stacks_before_fork, NULL, NULL);
	for (unsigned call = 1; call < KEKE_CALL_MAX; call++) {
		const char *cat = keke_call_category(call);

		for (unsigned bit = 0; cat && bit < KEKE_FAMILY_BITS; bit++)
			if ((families >> bit & 1) && in_family(cat, bit))
				keke_stack_calls[call] = 1;
	}
	keke_modules_record();
}

/* The build-id note of a loaded object, or 0 bytes. */
static size_t build_id(const struct dl_phdr_info *info, const uint8_t **id)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const uint8_t *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const uint8_t *name = p + sizeof(*n);
			const uint8_t *desc = name + ((n->n_namesz + 3) & ~3u);

			if (desc + n->n_descsz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4)) {
				*id = desc;
				return n->n_descsz;
			}
			p = desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	return 0;
}

static int record_module(struct dl_phdr_info *info, size_t size, void *unused)
{
	char exe[PATH_MAX];
	const char *path = info->dlpi_name;
	const uint8_t *id = NULL;
	size_t id_len = build_id(info, &id);
	uintptr_t lo, hi;
	struct keke_rec r;

	(void)size;
	(void)unused;
	load_range(info, &lo, &hi);
	if (!hi)
		return 0;
	if (!path || !*path) {	/* the program itself */
		long n = syscall(SYS_readlink, "/proc/self/exe", exe,
				 sizeof(exe) - 1);

		exe[n > 0 ? n : 0] = '\0';
		path = exe;
	}
	if (!keke_rec_begin(&r, KEKE_REC_MODULE, 0, 0, keke_now(),
			    KEKE_REC_MAX_LEN(3, KEKE_STR_MAX_LEN(strlen(path)) +
						     KEKE_STR_MAX_LEN(id_len))))
		return 0;
	keke_rec_str(&r, KEKE_KEY_PATH, path, strlen(path));
	keke_rec_int(&r, KEKE_KEY_BASE, (int64_t)info->dlpi_addr);
	keke_rec_int(&r, KEKE_KEY_START, (int64_t)lo);
	keke_rec_int(&r, KEKE_KEY_END, (int64_t)hi);
	if (id_len)
		keke_rec_str(&r, KEKE_KEY_BUILD_ID, (const char *)id, id_len);
	keke_rec_commit(&r);
	return 0;
}

void keke_modules_record(void)
{
	if (backtrace_fn)
		dl_iterate_phdr(record_module, NULL);
}

static uint64_t hash_frames(void *const *pcs, int n)
{
	uint64_t h = 1469598103934665603ull;

	for (int i = 0; i < n; i++)
		h = (h ^ (uintptr_t)pcs[i]) * 1099511628211ull;
	return h ? h : 1;
}

/* The thread's cache of written stacks, mapped on first use (no malloc:
 * this may run in a signal handler). NULL when memory runs out. */
static struct stack_cache *thread_cache(void)
{
	void *p;

	if (cache)
		return cache;
	p = (void *)syscall(SYS_mmap, NULL, sizeof(*cache),
			    PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cache = p == MAP_FAILED ? NULL : p;
	return cache;
}

uint64_t keke_stack_capture(void)
{
	void *pcs[KEKE_STACK_MAX + 8];
	struct stack_cache *c;
	struct keke_rec r;
	uint64_t h, id;
	int n, skip = 0;
	size_t slot;

	if (!backtrace_fn || fork_held || keke_thread.busy)
		return 0;
	/* libunwind may call hooked functions: they must only forward. */
	keke_busy_set(KEKE_BUSY_INTERNAL);
	n = backtrace_fn(pcs, depth + 8);
	keke_busy_clear();
	/* keke's own frames (the hook, the writer, its main wrapper) are
	 * not the program's. */
	for (int i = 0; i < n; i++)
		if ((uintptr_t)pcs[i] < self_start ||
		    (uintptr_t)pcs[i] >= self_end)
			pcs[skip++] = pcs[i];
	n = skip;
	skip = 0;
	if (n > depth)
		n = depth;
	if (n <= 0 || !(c = thread_cache()))
		return 0;
	h = hash_frames(pcs + skip, n);
	slot = h & (CACHE_SLOTS - 1);
	if (c->hash[slot] == h)
		return c->id[slot];
	/* A fork child's file tells its modules before its first stack. */
	if (modules_unsaid) {
		modules_unsaid = false;
		keke_modules_record();
	}
	id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
	if (!keke_rec_begin(&r, KEKE_REC_STACK, 0, 0, keke_now(),
			    KEKE_REC_MAX_LEN(1, KEKE_STR_MAX_LEN(
					     (size_t)n * sizeof(void *)))))
		return 0;
	keke_rec_int(&r, KEKE_KEY_STACK_ID, (int64_t)id);
	keke_rec_str(&r, KEKE_KEY_STACK, (const char *)(pcs + skip),
		     (size_t)n * sizeof(void *));
	keke_rec_commit(&r);
	c->hash[slot] = h;
	c->id[slot] = id;
	return id;
}

KEKE_ONCE bool keke_stack_capturable(unsigned call)
{
	return keke_stack_wanted(call) && !fork_held;
}

KEKE_ONCE void keke_stacks_before_fork(void)
{
	/* Only when stacks are on: a write would copy the page for nothing.
	 * glibc clears the flag once a thread is made, and never sets it
	 * again: a parent whose threads have all ended counts as threaded. */
	if (backtrace_fn)
		fork_threaded = !__libc_single_threaded;
}

KEKE_ONCE void keke_stacks_after_fork(void)
{
	if (!backtrace_fn)
		return;
	fork_held = fork_threaded;
	modules_unsaid = true;
	if (next_id)
		next_id = 0;
	if (cache)
		memset(cache, 0, sizeof(*cache));
}

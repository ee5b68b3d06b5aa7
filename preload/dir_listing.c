// SPDX-License-Identifier: MIT
/*
 * Directory listings: readdir and readdir64 return one entry a call, so a
 * listing is recorded as one "readdir" slice, not one a entry. A small
 * table of each thread counts the entries of the directory streams it is
 * reading; the call that ends a stream (NULL: its end, or an error) records
 * the listing: the stream's fd (dirfd), the entries read, 0 or -1 with the
 * errno. The slice is that last call, and lasts what it lasted: a slice
 * from the first call to the last would enclose whatever the program did
 * between them.
 *
 * A listing the program leaves before its end is recorded when its stream
 * is closed (keke_dir_listing_end), when its fd is found to be another
 * one (the stream was closed and another opened at the same address), or
 * when the table needs its slot, with what was read so far: a listing
 * recorded in two parts adds up to the entries read.
 */
#include "dir_listing.h"

#include "hook.h"

#define LISTINGS 8	/* streams a thread reads at once, at most */

struct listing {
	DIR *dir;		/* NULL: a free slot */
	int fd;			/* dirfd(dir) when it started */
	uint32_t entries;	/* read so far */
};

static __thread struct listing listings[LISTINGS] KEKE_TLS;
static __thread unsigned listing_evict KEKE_TLS;	/* next slot to take */

/* Records listing @l as a slice of @dur ticks at @t0 that returned @rv
 * (0, or -1 with errno @err), and frees its slot. */
static void record_listing(struct listing *l, uint64_t t0, uint64_t dur,
			   int rv, int err)
{
	keke_record_ints(KEKE_CALL_READDIR, t0, dur, rv, err, 2,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, l->fd },
				 { KEKE_KEY_ENTRIES, l->entries } });
	l->dir = NULL;
}

/* Records a listing that a call of @dur ticks at @t0 ended, unless that
 * call was shorter than KEKE_MIN_DUR. */
static void end_listing(struct listing *l, uint64_t t0, uint64_t dur, int rv,
			int err)
{
	if (keke_hook_keep(KEKE_CALL_READDIR, dur))
		record_listing(l, t0, dur, rv, err);
	else
		l->dir = NULL;
}

/* Records a listing left before its end, now: no call ended it, so no
 * duration says whether to keep it. */
static void cut_listing(struct listing *l)
{
	record_listing(l, keke_now(), 0, 0, 0);
}

/* The slot of the listing of @dir (fd @fd) under way on this thread,
 * taken (the oldest listing's, cut, when none is free) if it has none. */
static struct listing *listing_of(DIR *dir, int fd)
{
	struct listing *free_slot = NULL, *l;

	for (l = listings; l < listings + LISTINGS; l++) {
		if (l->dir == dir) {
			if (l->fd == fd)
				return l;
			cut_listing(l);
		}
		if (!l->dir && !free_slot)
			free_slot = l;
	}
	l = free_slot;
	if (!l) {
		l = &listings[listing_evict++ % LISTINGS];
		cut_listing(l);
	}
	*l = (struct listing){ dir, fd, 0 };
	return l;
}

typedef void *readdir_fn(DIR *dir);

/*
 * readdir and readdir64: counts the entry, or records the listing its end
 * ends. errno is cleared for the call, to tell an end (errno left alone)
 * from an error, and given back as the call left it, or as it was.
 */
static void *traced_readdir(readdir_fn *real, DIR *dir)
{
	int saved = errno, err;
	uint64_t t0 = keke_now();
	struct listing *l;
	void *entry;

	errno = 0;
	entry = real(dir);
	err = errno;
	if (dir) {
		l = listing_of(dir, dirfd(dir));
		if (entry)
			l->entries++;
		else
			end_listing(l, t0, keke_now() - t0, err ? -1 : 0, err);
	}
	errno = err ? err : saved;
	return entry;
}

KEKE_EXPORT struct dirent *readdir(DIR *dir)
{
	keke_readdir_fn *real = KEKE_HOOK_REAL(readdir);

	if (!keke_hook_on(KEKE_FAMILY_BIT_FILE))
		return real(dir);
	return traced_readdir((readdir_fn *)real, dir);
}

KEKE_EXPORT struct dirent64 *readdir64(DIR *dir)
{
	keke_readdir64_fn *real = KEKE_HOOK_REAL(readdir64);

	if (!keke_hook_on(KEKE_FAMILY_BIT_FILE))
		return real(dir);
	return traced_readdir((readdir_fn *)real, dir);
}

void keke_dir_listing_end(DIR *dir)
{
	int err = errno;

	for (struct listing *l = listings; l < listings + LISTINGS; l++)
		if (l->dir == dir && dir)
			cut_listing(l);
	errno = err;
}

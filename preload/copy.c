// SPDX-License-Identifier: MIT
/*
 * The calls that move bytes from one fd to another without the program
 * seeing them: copy_file_range (how cp and cat copy a file), sendfile,
 * splice, tee, and vmsplice (from memory into a pipe). Each records the
 * fds, the offsets it was given (as they were before the call, which
 * moves them on; not when it failed), the bytes asked for and the bytes moved.
 */
#define KEKE_WRAP_COPY KEKE_WRAP_ON
#include "hook.h"

/* The offsets a copy was given, by pointer: each only when given. */
struct offsets {
	bool has_in, has_out;
	int64_t in, out;
};

/*
 * The offsets a call that returned @rv was given, as they were before it:
 * read after it succeeded (the kernel moved each on by the bytes copied),
 * never after a failure, whose pointer may be bad. A macro: sendfile's is
 * an off_t, the others' an off64_t, which differ on 32-bit systems.
 */
#define offsets_of(rv, in, out)						\
	((rv) < 0 ? (struct offsets){ false, false, 0, 0 } :		\
	 (struct offsets){ (in) != NULL, (out) != NULL,			\
			   (in) ? (int64_t)*(in) - (rv) : 0,		\
			   (out) ? (int64_t)*(out) - (rv) : 0 })

/*
 * A copy from @fd_in to @fd_out: both fds, the offsets given, the bytes
 * asked for, the flags when @with_flags, the bytes copied.
 */
static void record_moved(unsigned call, uint64_t t0, uint64_t dur,
			 ssize_t rv, int err, const struct offsets *off,
			 int fd_in, int fd_out, size_t n, bool with_flags,
			 unsigned flags)
{
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(8, 0)))
		return;
	keke_rec_int(&r, KEKE_KEY_FD_IN, fd_in);
	if (off->has_in)
		keke_rec_int(&r, KEKE_KEY_OFFSET_IN, off->in);
	keke_rec_int(&r, KEKE_KEY_FD, fd_out);
	if (off->has_out)
		keke_rec_int(&r, KEKE_KEY_OFFSET, off->out);
	keke_rec_int(&r, KEKE_KEY_COUNT, (int64_t)n);
	if (with_flags)
		keke_rec_int(&r, KEKE_KEY_FLAGS, flags);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* copy_file_range, splice. */
static void record_copy(unsigned call, uint64_t t0, uint64_t dur, ssize_t rv,
			int err, struct offsets off, int fd_in, int fd_out,
			size_t n, unsigned flags)
{
	record_moved(call, t0, dur, rv, err, &off, fd_in, fd_out, n, true,
		     flags);
}

/* sendfile, sendfile64: no flags, and an offset for the source only. */
static void record_sendfile(unsigned call, uint64_t t0, uint64_t dur,
			    ssize_t rv, int err, struct offsets off,
			    int fd_in, int fd_out, size_t n)
{
	record_moved(call, t0, dur, rv, err, &off, fd_in, fd_out, n, false,
		     0);
}

/* tee: from one pipe to another, neither consumed. */
static void record_tee(unsigned call, uint64_t t0, uint64_t dur, ssize_t rv,
		       int err, int fd_in, int fd_out, size_t n,
		       unsigned flags)
{
	static const struct offsets none;

	record_moved(call, t0, dur, rv, err, &none, fd_in, fd_out, n, true,
		     flags);
}

/* vmsplice: the pipe, the bytes of all buffers, the flags, the bytes
 * moved. */
static void record_vmsplice(unsigned call, uint64_t t0, uint64_t dur,
			    ssize_t rv, int err, int fd,
			    const struct iovec *iov, size_t nr,
			    unsigned flags)
{
	uint64_t n = 0;

	for (size_t i = 0; iov && i < nr; i++)
		n += iov[i].iov_len;
	keke_record_ints(call, t0, dur, rv, err, 3,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, fd },
				 { KEKE_KEY_COUNT, (int64_t)n },
				 { KEKE_KEY_FLAGS, flags } });
}

#include "hook_wrappers.h"

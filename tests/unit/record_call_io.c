// SPDX-License-Identifier: MIT
/*
 * Which way each call's bytes go (record/call_io.h): reads read, writes
 * write, copies do both, stdio counts as what it reads and writes, the
 * message calls count their bytes apart, and the kernel's rchar/wchar
 * leave out the socket and splice calls, as /proc/PID/io does.
 */
#include <criterion/criterion.h>

#include "record/call_io.h"
#include "record/record.h"

#define IN KEKE_IO_IN
#define OUT KEKE_IO_OUT
#define COPY KEKE_IO_COPY
#define COUNT KEKE_IO_BYTES_IN_COUNT
#define KERNEL KEKE_IO_KERNEL_COUNTED

Test(call_io, directions)
{
	static const struct {
		unsigned call, io;
	} want[] = {
		{ KEKE_CALL_READ, IN | KERNEL },
		{ KEKE_CALL_PREADV2, IN | KERNEL },
		{ KEKE_CALL_FREAD, IN | KERNEL },
		{ KEKE_CALL_FGETS, IN | KERNEL },
		{ KEKE_CALL_GETLINE, IN | KERNEL },
		{ KEKE_CALL_GETC, IN | KERNEL },
		{ KEKE_CALL_RECV, IN },
		{ KEKE_CALL_RECVMMSG, IN | COUNT },
		{ KEKE_CALL_WRITE, OUT | KERNEL },
		{ KEKE_CALL_PWRITEV, OUT | KERNEL },
		{ KEKE_CALL_FWRITE, OUT | KERNEL },
		{ KEKE_CALL_FPRINTF, OUT | KERNEL },
		{ KEKE_CALL_PUTS, OUT | KERNEL },
		{ KEKE_CALL_PUTC, OUT | KERNEL },
		{ KEKE_CALL_DPRINTF, OUT | KERNEL },
		{ KEKE_CALL_SENDTO, OUT },
		{ KEKE_CALL_SENDMMSG, OUT | COUNT },
		{ KEKE_CALL_VMSPLICE, OUT },
		{ KEKE_CALL_COPY_FILE_RANGE, COPY | KERNEL },
		{ KEKE_CALL_SENDFILE, COPY | KERNEL },
		{ KEKE_CALL_SPLICE, COPY },
		{ KEKE_CALL_TEE, COPY },
		/* Calls whose results are no byte counts. */
		{ KEKE_CALL_OPEN, 0 },
		{ KEKE_CALL_FSCANF, 0 },
		{ KEKE_CALL_UNGETC, 0 },
		{ KEKE_CALL_LSEEK, 0 },
		{ KEKE_CALL_MMAP, 0 },
		{ KEKE_CALL_EXEC, 0 },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_eq(keke_call_io(want[i].call), want[i].io,
			     "%s: %#x, want %#x", keke_call_name(want[i].call),
			     keke_call_io(want[i].call), want[i].io);
}

Test(call_io, every_call_goes_one_way)
{
	for (unsigned call = 0; call < KEKE_CALL_MAX + 10; call++) {
		unsigned io = keke_call_io(call);
		unsigned ways = !!(io & IN) + !!(io & OUT) + !!(io & COPY);

		cr_assert(ways <= 1, "call %u goes %u ways", call, ways);
		cr_assert(ways || !io, "call %u has bits but no way", call);
		cr_assert(io == 0 || keke_call_name(call),
			  "call %u is not in calls.def", call);
	}
}

Test(call_io, by_name)
{
	cr_assert_eq(keke_call_io_named("read"), IN | KERNEL);
	cr_assert_eq(keke_call_io_named("copy_file_range"), COPY | KERNEL);
	cr_assert_eq(keke_call_io_named("fwrite"), OUT | KERNEL);
	cr_assert_eq(keke_call_io_named("pread64"), 0,
		     "not a name calls.def gives");
	cr_assert_eq(keke_call_io_named("compile"), 0);
	cr_assert_eq(keke_call_io_named(""), 0);
	cr_assert(!keke_io_moves(0));
	cr_assert(keke_io_moves(COPY));
}

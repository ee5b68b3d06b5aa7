// SPDX-License-Identifier: MIT
/* Which way the bytes of each call go (call_io.h). */
#include "record/call_io.h"

#include <string.h>

#include "record/record.h"

#define IN KEKE_IO_IN
#define OUT KEKE_IO_OUT
#define COPY KEKE_IO_COPY
#define KERNEL KEKE_IO_KERNEL_COUNTED

unsigned keke_call_io(unsigned call)
{
	switch (call) {
	case KEKE_CALL_READ:
	case KEKE_CALL_PREAD:
	case KEKE_CALL_READV:
	case KEKE_CALL_PREADV:
	case KEKE_CALL_PREADV2:
	/* stdio: the bytes a stream handed over, read by read() */
	case KEKE_CALL_FREAD:
	case KEKE_CALL_FGETS:
	case KEKE_CALL_GETLINE:
	case KEKE_CALL_GETDELIM:
	case KEKE_CALL_GETC:
		return IN | KERNEL;
	case KEKE_CALL_RECV:
	case KEKE_CALL_RECVFROM:
	case KEKE_CALL_RECVMSG:
		return IN;
	case KEKE_CALL_RECVMMSG:
		return IN | KEKE_IO_BYTES_IN_COUNT;
	case KEKE_CALL_WRITE:
	case KEKE_CALL_PWRITE:
	case KEKE_CALL_WRITEV:
	case KEKE_CALL_PWRITEV:
	case KEKE_CALL_PWRITEV2:
	/* stdio: the bytes a stream took, written by write() */
	case KEKE_CALL_FWRITE:
	case KEKE_CALL_FPUTS:
	case KEKE_CALL_PUTS:
	case KEKE_CALL_FPRINTF:
	case KEKE_CALL_PRINTF:
	case KEKE_CALL_DPRINTF:
	case KEKE_CALL_PUTC:
		return OUT | KERNEL;
	case KEKE_CALL_SEND:
	case KEKE_CALL_SENDTO:
	case KEKE_CALL_SENDMSG:
	/* user memory into a pipe, the way it is used */
	case KEKE_CALL_VMSPLICE:
		return OUT;
	case KEKE_CALL_SENDMMSG:
		return OUT | KEKE_IO_BYTES_IN_COUNT;
	case KEKE_CALL_COPY_FILE_RANGE:
	case KEKE_CALL_SENDFILE:
		return COPY | KERNEL;
	case KEKE_CALL_SPLICE:
	case KEKE_CALL_TEE:
		return COPY;
	}
	return 0;
}

unsigned keke_call_io_named(const char *name)
{
	for (unsigned id = 1; id < KEKE_CALL_MAX; id++) {
		const char *n = keke_call_name(id);

		if (n && !strcmp(n, name))
			return keke_call_io(id);
	}
	return 0;
}

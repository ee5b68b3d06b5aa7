/* SPDX-License-Identifier: MIT */
/*
 * Writing an output file (a trace, a database, a report), the one way all
 * of keke's outputs are written:
 *
 *	- a regular file, or a name not yet taken, is replaced atomically: the
 *	  output goes into "<file>.tmp-XXXXXX" in the file's own directory,
 *	  renamed onto the file once complete, so a failure leaves no half
 *	  output and the old file stays until the new one is whole;
 *	- a symlink is followed to the file it names, which is replaced as
 *	  above, in that file's directory; a dangling symlink's target is
 *	  created, as a shell's redirection does;
 *	- a character or block device or a FIFO (/dev/null, a pipe someone
 *	  reads) is written in place, streamed: renaming a file onto it would
 *	  replace the node itself;
 *	- a directory or a socket is refused.
 *
 * Nothing but the output file and its temporary is ever created, replaced
 * or removed.
 */
#ifndef KEKE_OUTPUT_H
#define KEKE_OUTPUT_H

#include <stddef.h>

/* Flags of keke_output_check() and keke_output_open(). */
#define KEKE_OUTPUT_REGULAR 1u	/* only a regular file will do (a database,
				 * which is written at random places):
				 * refuse devices and FIFOs */

struct keke_output {
	int fd;			/* where to write; -1 once closed */
	char *path;		/* as the caller named it */
	char *file;		/* the file written: @path, symlinks followed */
	char *tmp;		/* its temporary; NULL when written in place */
};

/*
 * Checks, before any work, that an output can be written to @path with
 * @flags: a file to replace, a device or FIFO to write in place. Opens and
 * creates nothing. Returns 0, or -1 with @err (@size bytes) saying why,
 * @path first.
 */
int keke_output_check(const char *path, unsigned flags, char *err,
		      size_t size);

/*
 * Starts writing an output to @path: creates the temporary, or opens the
 * device or FIFO (which waits for a FIFO's reader). Returns 0 with @o->fd
 * open for writing, or -1 with @err (@size bytes) saying why and nothing
 * left to release or remove.
 */
int keke_output_open(struct keke_output *o, const char *path, unsigned flags,
		     char *err, size_t size);

/*
 * Completes the output written through @o->fd (closed here unless the
 * caller closed it and set it to -1): renames the temporary onto the file.
 * Releases @o either way. Returns 0, or -1 with @err (@size bytes) saying
 * why; the temporary is removed then.
 */
int keke_output_close(struct keke_output *o, char *err, size_t size);

/* Gives the output up: closes @o->fd, removes the temporary, releases @o.
 * A device or FIFO keeps what was written to it. */
void keke_output_discard(struct keke_output *o);

#endif

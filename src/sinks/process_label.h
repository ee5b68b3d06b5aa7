/* SPDX-License-Identifier: MIT */
/* What the traces (JSON, Perfetto) call a process (process_label.c). */
#ifndef KEKE_PROCESS_LABEL_H
#define KEKE_PROCESS_LABEL_H

#include "sinks/sink.h"

/*
 * @p's label: "<host>: " when the trace has several machines, then its
 * name ("process <pid>" when it has none), then " [killed]" or
 * " [untraced]" when so. Returns it malloc'd, or NULL out of memory.
 */
char *keke_process_label(const struct keke_process *p);

#endif

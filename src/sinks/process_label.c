// SPDX-License-Identifier: MIT
#include "sinks/process_label.h"

#include <stdio.h>
#include <stdlib.h>

char *keke_process_label(const struct keke_process *p)
{
	char *label;
	int n;

	if (p->name && *p->name)
		n = asprintf(&label, "%s%s%s%s%s", p->host ? p->host : "",
			     p->host ? ": " : "", p->name,
			     p->killed ? " [killed]" : "",
			     p->untraced ? " [untraced]" : "");
	else
		n = asprintf(&label, "%s%sprocess %d%s%s",
			     p->host ? p->host : "", p->host ? ": " : "",
			     p->pid, p->killed ? " [killed]" : "",
			     p->untraced ? " [untraced]" : "");
	return n < 0 ? NULL : label;
}

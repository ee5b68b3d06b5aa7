// SPDX-License-Identifier: MIT
/* Names of the ids the record format uses: keys and calls. */
#include "record/record.h"

#include <stddef.h>

const char *keke_key_name(unsigned key)
{
	switch (key) {
#define KEKE_KEY(id, sym, text) \
	case id:                \
		return text;
#include "record/keys.def"
#undef KEKE_KEY
	}
	return NULL;
}

/* A call's name and category, as calls.def gives them. */
struct call_names {
	const char *name, *category;
};

static struct call_names call_names(unsigned call)
{
	switch (call) {
#define KEKE_CALL(id, sym, text, cat) \
	case id:                      \
		return (struct call_names){ text, cat };
#include "record/calls.def"
#undef KEKE_CALL
	}
	return (struct call_names){ NULL, NULL };
}

const char *keke_call_name(unsigned call)
{
	return call_names(call).name;
}

const char *keke_call_category(unsigned call)
{
	return call_names(call).category;
}

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

const char *keke_call_name(unsigned call)
{
	switch (call) {
#define KEKE_CALL(id, sym, text, cat) \
	case id:                      \
		return text;
#include "record/calls.def"
#undef KEKE_CALL
	}
	return NULL;
}

const char *keke_call_category(unsigned call)
{
	switch (call) {
#define KEKE_CALL(id, sym, text, cat) \
	case id:                      \
		return cat;
#include "record/calls.def"
#undef KEKE_CALL
	}
	return NULL;
}

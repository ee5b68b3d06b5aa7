// SPDX-License-Identifier: MIT
#include "runtime/boot_id.h"

#include <fcntl.h>
#include <stdbool.h>

#include "record/boot_id.h"
#include "record/once.h"
#include "runtime/text.h"
#include "runtime/writer_sys.h"

static struct {
	bool have;
	uint8_t id[16];
} boot;

KEKE_ONCE void keke_boot_id_get(uint8_t id[16])
{
	char text[KEKE_BOOT_ID_TEXT + 8];

	if (!boot.have) {
		int fd = keke_writer_sys.open(KEKE_BOOT_ID_PATH,
					      O_RDONLY | O_CLOEXEC, 0);
		ssize_t n;

		if (fd < 0)
			return;
		n = keke_writer_sys.read(fd, text, sizeof(text));
		keke_writer_sys.close(fd);
		if (n <= 0 || keke_boot_id_parse(text, (size_t)n, boot.id))
			return;
		boot.have = true;
	}
	keke_copy_bytes(id, boot.id, sizeof(boot.id));
}

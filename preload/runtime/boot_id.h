/* SPDX-License-Identifier: MIT */
/*
 * This boot's id (record/boot_id.h) for the record header, read once per
 * process image through the writer's system calls (writer_sys.h); a fork
 * child inherits what its parent read.
 */
#ifndef KEKE_RUNTIME_BOOT_ID_H
#define KEKE_RUNTIME_BOOT_ID_H

#include <stdint.h>

/* Copies the boot id into @id; zeros when it cannot be read (no /proc).
 * A failed read is tried again at the next file. Changes errno. */
void keke_boot_id_get(uint8_t id[16]);

#endif

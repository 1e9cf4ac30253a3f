/* SPDX-License-Identifier: MIT */
#pragma once

/* Drop-ins that set one key of a unit, written where `systemctl set-property` writes:
 * CONTROL_DIR/UNIT.d/FILE. */

/* Writes "[Type]\nKEY=VALUE\n" (VALUE "" resets the key) atomically: a temporary file,
 * fsync, rename, fsync of the directory. Directories are created as needed; a symbolic
 * link anywhere on the path or at the file refuses the write (-ELOOP), so a planted link
 * cannot redirect it. *ret_path (may be NULL) is the file written. */
int dropin_write(const char *control_dir, const char *unit, const char *file, const char *key,
		 const char *value, char **ret_path);

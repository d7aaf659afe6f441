/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A dynamic loader chosen by an unprivileged program (its PT_INTERP): it leaves a marker
 * file when it ever runs as root, and with EVIL_HANG set never answers. memsnoop asks a
 * program's loader which libraries it maps; it must never do so with more privilege than the
 * program has, nor wait for it forever.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	const char *marker = getenv("EVIL_MARKER");

	if (marker && (geteuid() == 0 || getuid() == 0))
		close(open(marker, O_WRONLY | O_CREAT, 0644));
	if (getenv("EVIL_HANG"))
		pause();
	return 0;
}

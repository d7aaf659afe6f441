// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "escape.h"

/*
 * The length of the printable UTF-8 character at s, or 0: a C0 or C1 control, DEL, or a
 * byte that does not start a valid, shortest-form sequence.
 */
static size_t printable_len(const unsigned char *s)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < 0xa0 || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0; /* C1 controls (U+0080-U+009F), overlong forms, surrogates */
	return len;
}

/*
 * s, each byte not printable or listed in also written by bad_fmt, each listed in quoted
 * preceded by a backslash.
 */
static void write_escaped(FILE *f, const char *s, const char *also, const char *quoted,
			  const char *bad_fmt)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		size_t len = strchr(also, *u) ? 0 : printable_len(u);

		if (!len) {
			fprintf(f, bad_fmt, *u++);
			continue;
		}
		for (const char *q = quoted; *q; q++)
			if (*u == (unsigned char)*q)
				fputc('\\', f);
		fwrite(u, 1, len, f);
		u += len;
	}
}

void escape_write(FILE *f, const char *s, const char *also)
{
	write_escaped(f, s, also, "\\", "\\x%02x");
}

void escape_write_json(FILE *f, const char *s)
{
	fputc('"', f);
	write_escaped(f, s, "", "\\\"", "\\u%04x");
	fputc('"', f);
}

char *escape_dup(const char *s, const char *also)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	escape_write(f, s, also);
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

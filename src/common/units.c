// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "units.h"

int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || (shift && v > (~0ULL >> shift)))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

int parse_duration(const char *s, double *out_s)
{
	double v, unit = 1;
	char *end;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		unit = 1e-3;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		unit = 60;
	else if (!strcmp(end, "h"))
		unit = 3600;
	else if (*end && strcmp(end, "s"))
		return -EINVAL;
	v *= unit;
	if (!isfinite(v))
		return -EINVAL;
	*out_s = v;
	return 0;
}

int parse_address(const char *s, uint64_t *out)
{
	bool hex = s && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned long long v;
	char *end;

	/* strtoull would take a sign or leading blanks: an address has neither */
	if (!s || !isxdigit((unsigned char)s[hex ? 2 : 0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, hex ? 16 : 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

const char *format_bytes(double bytes, char *buf, size_t buf_sz)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = fabs(bytes);
	unsigned i = 0;

	while (v >= 1024 && i + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		i++;
	}
	if (bytes < 0)
		v = -v;
	if (i == 0)
		snprintf(buf, buf_sz, "%.0f B", v);
	else
		snprintf(buf, buf_sz, "%.1f %s", v, units[i]);
	return buf;
}

const char *format_ns(double ns, char *buf, size_t buf_sz)
{
	if (ns < 1e3)
		snprintf(buf, buf_sz, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, buf_sz, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, buf_sz, "%.1f ms", ns / 1e6);
	else if (ns < 60e9)
		snprintf(buf, buf_sz, "%.1f s", ns / 1e9);
	else
		snprintf(buf, buf_sz, "%.1f min", ns / 60e9);
	return buf;
}

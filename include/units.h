/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Byte sizes as people write and read them. */
#ifndef MEMSNOOP_UNITS_H
#define MEMSNOOP_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* "4096", "512K", "1M", "2G" (binary multiples). Returns 0 or -EINVAL. */
int parse_size(const char *s, uint64_t *out);

/* An address as debuggers print it: "0x55d0c0a012a8" (hex), or decimal. 0 or -EINVAL. */
int parse_address(const char *s, uint64_t *out);

/* "812 B", "1.5 KiB", "12.3 MiB" into buf; returns buf. */
const char *format_bytes(double bytes, char *buf, size_t buf_sz);

/* "512 ns", "1.5 us", "12.0 ms", "3.2 s", "2.5 min" into buf; returns buf. */
const char *format_ns(double ns, char *buf, size_t buf_sz);

/* "s" unless n, as printed whole, is 1: "1 object", "2 objects", "0 objects". */
static inline const char *plural_s(double n)
{
	return n >= 0.5 && n < 1.5 ? "" : "s";
}

/* "10", "10s", "1.5m", "2h" (seconds by default). Returns 0 or -EINVAL. */
int parse_duration(const char *s, double *out_s);

#endif /* MEMSNOOP_UNITS_H */

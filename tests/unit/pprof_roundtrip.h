/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A profile model written as pprof into memory and read back, for the pprof tests. */
#ifndef PPROF_ROUNDTRIP_H
#define PPROF_ROUNDTRIP_H

#include "golden.h"
#include "output.h"
#include "pprof_read.h"

static inline PprofProfile *roundtrip_info(const struct profile *p, const struct pprof_info *info)
{
	char *bytes = NULL, err[256] = "";
	size_t len = 0;
	FILE *f = open_memstream(&bytes, &len);
	PprofProfile *out = NULL;

	assert_int_equal(output_pprof__write(p, info, f), 0);
	fclose(f);
	if (pprof_read_buffer(bytes, len, &out, err, sizeof(err)))
		fail_msg("our own profile does not read back: %s", err);
	free(bytes);
	return out;
}

static inline PprofProfile *roundtrip(const struct profile *p, enum value_type default_type)
{
	struct pprof_info info = { .time_nanos = 1000, .duration_nanos = 2000,
				   .comment = "memsnoop -p 42", .default_type = default_type };

	return roundtrip_info(p, &info);
}

static inline const char *str(const PprofProfile *p, int64_t idx)
{
	return p->string_table[idx];
}

#endif /* PPROF_ROUNDTRIP_H */

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for the pprof reader: whatever the bytes, pprof_read_buffer() must
 * return an error or a profile that diff can walk completely (every id it follows resolves).
 * make fuzz runs it; a crash's input goes to tests/fuzz/crashers/, and test_pprof_read
 * replays every file there.
 */
#include <stdint.h>
#include <stdio.h>
#include "diff.h"
#include "pprof_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct diff_result res;
	PprofProfile *p;
	char err[256];

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (pprof_read_buffer(data, size, &p, err, sizeof(err)))
		return 0;
	diff_profiles(p, p,
		      &(struct diff_opts){ .value = p->string_table[p->sample_type[0]->type],
					   .top_n = 5 },
		      devnull, &res, err, sizeof(err));
	pprof_free(p);
	return 0;
}

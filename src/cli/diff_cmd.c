// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* memsnoop diff: two profiles compared, gated on --fail-above. */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include "cli.h"
#include "diff.h"
#include "exit_status.h"
#include "log.h"
#include "output.h"
#include "pprof_read.h"

static int read_profile(const char *path, PprofProfile **out)
{
	char why[256];
	int err = pprof_read_file(path, out, why, sizeof(why));

	if (err) {
		pr_warn("%s: %s\n", path, why);
		return err;
	}
	/* a comparison of incomplete data must say so */
	for (size_t i = 0; i < (*out)->n_comment; i++) {
		int64_t s = (*out)->comment[i];
		const char *c = s >= 0 && (size_t)s < (*out)->n_string_table ? (*out)->string_table[s] : "";

		if (!strncmp(c, PPROF_INCOMPLETE, strlen(PPROF_INCOMPLETE)))
			pr_warn("WARNING: %s: %s\n", path, c);
	}
	return 0;
}

/* memsnoop diff: reads both profiles, prints the comparison, gates on --fail-above. */
int diff_command(int argc, char **argv)
{
	PprofProfile *base = NULL, *new = NULL;
	struct diff_result res;
	struct diff_cli_opts o;
	int status = EXIT_REFUSED, err;
	char why[320], what[64];

	err = cli_parse_diff(argc, argv, &o);
	if (err)
		return err == CLI_EXIT_OK ? EXIT_OK : EXIT_USAGE;
	if (read_profile(o.base_path, &base) || read_profile(o.new_path, &new))
		goto out;
	err = diff_profiles(base, new, &(struct diff_opts){ .value = o.value, .top_n = o.top_n },
			    stdout, &res, why, sizeof(why));
	if (err) {
		pr_warn("%s\n", err == -EINVAL ? why : strerror(-err));
		goto out;
	}
	status = EXIT_OK;
	if (o.has_fail_above) {
		struct gate_subject sub = { what, "", "--fail-above", res.bytes };
		uint64_t rate = res.base_rate > res.new_rate ? res.base_rate : res.new_rate;
		struct gate_estimate e;

		snprintf(what, sizeof(what), "%s grew by", o.value);
		diff_result__estimate(&res, o.fail_above, &e);
		status = exit_of_gate(gate__judge(&e, o.fail_above, rate, &sub, why, sizeof(why)));
		if (status != EXIT_OK || rate > 1)
			pr_warn("%s\n", why);
	}
out:
	pprof_free(base);
	pprof_free(new);
	return status;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* memsnoop: parse, open a session, map its verdict to an exit status. Every refusal happens in
 * session__prepare(), before anything is attached. */
#include <string.h>
#include "cli.h"
#include "log.h"
#include "session.h"
#include "where.h"

int main(int argc, char **argv)
{
	struct session s = { .sigfd = -1 };
	int status = EXIT_REFUSED, err;

	if (argc > 1 && !strcmp(argv[1], "diff"))
		return diff_command(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "where"))
		return where_client__run(argc - 1, argv + 1);
	err = cli_parse(argc, argv, &s.opts);
	if (err)
		return err == CLI_EXIT_OK ? EXIT_OK : EXIT_USAGE;
	log_set_level(s.opts.verbosity >= 2 ? LOG_DEBUG : s.opts.verbosity ? LOG_INFO : LOG_WARN);

	if (!session__prepare(&s) && !session__open(&s))
		status = session__run(&s, argc, argv);
	session__close(&s);
	session__report_own_usage();
	return status;
}

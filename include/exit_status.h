/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* memsnoop's exit statuses, for a run and for diff (a launched program's own status passes
 * through when memsnoop has nothing to say). */
#ifndef MEMSNOOP_EXIT_STATUS_H
#define MEMSNOOP_EXIT_STATUS_H

enum exit_status {
	EXIT_OK = 0,
	EXIT_REFUSED = 1, /* could not run: no such process, not root, a corrupt profile ... */
	EXIT_USAGE = 2,
	EXIT_THRESHOLD = 3, /* a leak over --fail-on-leak; diff: growth over --fail-above */
	EXIT_LOSS = 4,	    /* events were lost and --fail-on-loss is on */
	EXIT_UNDECIDED = 5, /* a sampled gate cannot tell at this rate */
};

#include "gate.h"

static inline int exit_of_gate(enum gate_result res)
{
	return res == GATE_ABOVE ? EXIT_THRESHOLD : res == GATE_UNDECIDED ? EXIT_UNDECIDED : EXIT_OK;
}

#endif /* MEMSNOOP_EXIT_STATUS_H */

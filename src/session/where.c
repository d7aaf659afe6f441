// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The answer to `where`: the collector's index of live sampled blocks finds the one holding
 * the address (its start or a byte inside), the profile gives its stack. Written for people
 * first; its first line is also stable for scripts: "pid P addr A: block START+OFF, SIZE
 * bytes, ...".
 */
#include <errno.h>
#include <stdlib.h>
#include "output.h"
#include "units.h"
#include "where.h"

static void write_not_found(const struct where_source *src, pid_t pid, uint64_t addr, FILE *f)
{
	char rate[32];

	fprintf(f, "pid %d addr 0x%llx: ", (int)pid, (unsigned long long)addr);
	if (src->rate == 1)
		fprintf(f, "in no live heap block (every allocation is sampled at -r 1: the address "
			   "is not in a block allocated while memsnoop watched and still live)\n");
	else
		fprintf(f, "not sampled (no sampled live block holds it; with one sample per %s "
			   "allocated only sampled blocks are known: -r 1 answers for every block)\n",
			format_bytes(src->rate, rate, sizeof(rate)));
}

void where__answer(const struct where_source *src, pid_t pid, uint64_t addr, FILE *f)
{
	struct live_block b;
	char size[32], age[32];

	if (collector__find_block(src->collector, pid, addr, &b)) {
		write_not_found(src, pid, addr, f);
		return;
	}
	fprintf(f, "pid %d addr 0x%llx: block 0x%llx+0x%llx, %llu bytes (%s), allocated %s ago, %s\n",
		(int)pid, (unsigned long long)addr, (unsigned long long)b.start,
		(unsigned long long)(addr - b.start), (unsigned long long)b.size,
		format_bytes(b.size, size, sizeof(size)),
		format_ns(src->now_ns > b.ts_ns ? src->now_ns - b.ts_ns : 0, age, sizeof(age)),
		src->rate == 1 ? "sampled (every block is, at -r 1)" : "sampled");
	if (b.stack_id < 0)
		fprintf(f, "      [stack not resolved]\n");
	else
		output_text__frames(src->profile, profile__stack(src->profile, b.stack_id), f);
}

static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	if (!s || *s < '1' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > 0x3fffffff)
		return -EINVAL;
	*pid = v;
	return 0;
}

unsigned where__answer_args(const struct where_source *src, const char *pid_arg,
			    const char *addr_arg, FILE *f)
{
	uint64_t addr;
	pid_t pid;

	if (parse_pid(pid_arg, &pid)) {
		fprintf(f, "invalid pid '%s': expected ?pid=PID&addr=ADDR, PID a process ID\n",
			pid_arg ?: "");
		return 400;
	}
	if (parse_address(addr_arg, &addr)) {
		fprintf(f, "invalid address '%s': expected a number such as 0x55d0c0a012a8\n",
			addr_arg ?: "");
		return 400;
	}
	if (!src->profiled(src->ctx, pid)) {
		fprintf(f, "no such process profiled: pid %d\n", (int)pid);
		return 404;
	}
	if (src->count_only) {
		fprintf(f, "--count-only keeps no blocks: nothing to answer from\n");
		return 503;
	}
	where__answer(src, pid, addr, f);
	return 200;
}

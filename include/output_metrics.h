/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * /metrics of --listen: the Prometheus text exposition format (version 0.0.4). Exact calls
 * and bytes per allocator entry point, their totals, the estimated heap per process (labels
 * pid, comm and cgroup: a cgroup's figure is a sum by cgroup), every loss counter, each
 * process's last memory reading, and memsnoop's own CPU and RSS. Pure.
 */
#ifndef MEMSNOOP_OUTPUT_METRICS_H
#define MEMSNOOP_OUTPUT_METRICS_H

#include <stdint.h>
#include <stdio.h>
#include "output.h"
#include "profile.h"

/* memsnoop itself, as the standard process_* metrics name it. */
struct metrics_self {
	double cpu_s;	   /* user + system */
	uint64_t rss_bytes;
	double start_time_s; /* since the Epoch */
	uint64_t scrapes;  /* requests served before this one */
	bool pushing;	   /* --push: its counters below */
	uint64_t pushes_sent, pushes_dropped, push_retries;
};

/* info->mem may be NULL (no memory readings). 0, -ENOMEM or -EIO. */
int output_metrics__write(const struct profile *p, const struct report_info *info,
			  const struct metrics_self *self, FILE *f);

#endif /* MEMSNOOP_OUTPUT_METRICS_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * PREFIX.summary.json (schema memsnoop.summary/1, docs/summary.schema.json): the run, the
 * exact counters of each entry point, the estimated totals, every loss counter and the
 * fraction of samples lost, the memory readings as a time series, the top sites. Pure.
 */
#ifndef MEMSNOOP_OUTPUT_SUMMARY_H
#define MEMSNOOP_OUTPUT_SUMMARY_H

#include <stdio.h>
#include "output.h"
#include "profile.h"

/* info->mem may be NULL (no readings: an empty series). 0 or -EIO. */
int output_summary__write(const struct profile *p, const struct report_info *info, FILE *f);

/* The counters of struct report_losses besides drops[]: how many, and the name and value of
 * the i-th ("unknown_frees", ...), for every output that lists them by name. */
size_t report_loss_field_cnt(void);
const char *report_loss_field(size_t i, const struct report_losses *l, uint64_t *value);

#endif /* MEMSNOOP_OUTPUT_SUMMARY_H */

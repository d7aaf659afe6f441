/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The heap profile as Go's net/http/pprof answers ?debug=1: "heap profile: ..." and a record
 * per stack with its frames, text a person reads in a browser and pprof parses (the legacy
 * heap format). Pure: a profile in, text out.
 */
#ifndef MEMSNOOP_OUTPUT_HEAPTEXT_H
#define MEMSNOOP_OUTPUT_HEAPTEXT_H

#include <stdio.h>
#include "profile.h"

/* Returns 0 or -EIO. */
int output_heaptext__write(const struct profile *p, FILE *f);

#endif /* MEMSNOOP_OUTPUT_HEAPTEXT_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A flame graph as one self-contained SVG file: frames merged by name from the root, as the
 * folded file lists them, widths proportional to the chosen value; an inline script shows a
 * frame's details on hover, zooms into it on click and flips between flame (root at the
 * bottom) and icicle (root at the top). No network, no external file. Pure.
 */
#ifndef MEMSNOOP_OUTPUT_SVG_H
#define MEMSNOOP_OUTPUT_SVG_H

#include <stdbool.h>
#include <stdio.h>
#include "output.h"
#include "profile.h"

struct svg_opts {
	enum value_type value;
	bool icicle; /* root at the top */
	const struct report_info *info; /* the run, for the title; NULL: none */
};

/* 0, -ENOMEM or -EIO. */
int output_svg__write(const struct profile *p, const struct svg_opts *opts, FILE *f);

#endif /* MEMSNOOP_OUTPUT_SVG_H */

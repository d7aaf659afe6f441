/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the JSON writers share: strings escaped, a stack's frames as names, leaf first. */
#ifndef MEMSNOOP_JSON_H
#define MEMSNOOP_JSON_H

#include <stdio.h>
#include "profile.h"

/* s as a JSON string, quotes and control characters escaped. */
void json_string(FILE *f, const char *s);

/* ["leaf", ..., "root"], every inlined frame its own name, "[truncated]" last when cut. */
void json_frames(FILE *f, const struct profile *p, const struct stack *s);

#endif /* MEMSNOOP_JSON_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Names from a target (function, file and process names) written into reports: a target
 * chooses them, so none may carry a terminal escape sequence to root's terminal, a newline
 * that forges a line of a folded file, or bytes that make JSON invalid.
 */
#ifndef MEMSNOOP_ESCAPE_H
#define MEMSNOOP_ESCAPE_H

#include <stdio.h>

/*
 * s with every control character (C0, DEL, C1), every byte not part of valid UTF-8 and
 * every character of also (a format's separators) as \xNN; a backslash is written \\ so
 * that the escape stays unambiguous. Other text, UTF-8 included, is unchanged.
 */
void escape_write(FILE *f, const char *s, const char *also);

/* escape_write's output as a string (free it); NULL when out of memory. */
char *escape_dup(const char *s, const char *also);

/* s as a JSON string, quotes included: controls and invalid UTF-8 bytes as \u00NN. */
void escape_write_json(FILE *f, const char *s);

#endif /* MEMSNOOP_ESCAPE_H */

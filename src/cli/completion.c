// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The bash completion, written from the parsers' own option tables: make builds it with
 * memsnoop --bash-completion, so an option added to the table is completed without anyone
 * remembering a second list. Options stop at "--": after it, the command and its files.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <string.h>
#include "cli.h"

static const char *values_of(const char *name)
{
	for (const struct cli_arg_values *v = cli_arg_values(); v->option; v++)
		if (!strcmp(v->option, name))
			return v->values;
	return NULL;
}

/* what completes a value: "@pids" and the like, or a list of words */
static void write_reply(const char *values, FILE *f)
{
	if (!strcmp(values, "@pids"))
		fputs("COMPREPLY=($(compgen -W \"$(ps -eo pid= 2>/dev/null)\" -- \"$cur\"))", f);
	else if (!strcmp(values, "@files"))
		fputs("COMPREPLY=($(compgen -f -- \"$cur\"))", f);
	else if (!strcmp(values, "@dirs"))
		fputs("COMPREPLY=($(compgen -d -- \"$cur\"))", f);
	else if (!strcmp(values, "@users"))
		fputs("COMPREPLY=($(compgen -u -- \"$cur\"))", f);
	else
		fprintf(f, "COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))", values);
}

/* "-p | --pid" */
static void write_pattern(const struct option *o, FILE *f)
{
	if (o->val > 0 && o->val < 128)
		fprintf(f, "-%c | ", o->val);
	fprintf(f, "--%s", o->name);
}

static bool in_table(const struct option *opts, const char *name)
{
	for (const struct option *o = opts; o->name; o++)
		if (!strcmp(o->name, name))
			return true;
	return false;
}

/* an option that takes an argument: what completes it */
static void write_case(const struct option *o, FILE *f)
{
	const char *values = values_of(o->name);

	if (o->has_arg != required_argument)
		return;
	fputc('\t', f);
	write_pattern(o, f);
	fputs(")\n\t\t", f);
	if (values)
		write_reply(values, f);
	else
		fputs("COMPREPLY=()", f); /* a number, a size, an address: nothing to offer */
	fputs("\n\t\treturn ;;\n", f);
}

static void write_words(const struct option *opts, FILE *f)
{
	for (const struct option *o = opts; o->name; o++)
		fprintf(f, " --%s", o->name);
}

int cli_completion_write(FILE *f)
{
	const struct option *main_opts = cli_long_opts(false), *diff_opts = cli_long_opts(true);

	fputs("# bash completion for memsnoop: written by memsnoop --bash-completion from its\n"
	      "# option tables (make builds it; make install installs it)\n"
	      "_memsnoop()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} i\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\t[ \"${COMP_WORDS[i]}\" = -- ] || continue\n"
	      "\t\tif ((i == COMP_CWORD - 1)); then\n"
	      "\t\t\tCOMPREPLY=($(compgen -c -- \"$cur\"))\n"
	      "\t\telse\n"
	      "\t\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\t\tfi\n"
	      "\t\treturn\n"
	      "\tdone\n"
	      "\tcase $prev in\n", f);
	for (const struct option *o = main_opts; o->name; o++)
		write_case(o, f);
	for (const struct option *o = diff_opts; o->name; o++)
		if (!in_table(main_opts, o->name))
			write_case(o, f);
	fputs("\tesac\n"

	      "\tif [ \"${COMP_WORDS[1]}\" = diff ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"", f);
	write_words(diff_opts, f);
	fputs("\" -f -- \"$cur\"))\n\t\treturn\n\tfi\n"
	      "\tCOMPREPLY=($(compgen -W \"", f);
	fputs("diff --", f);
	write_words(main_opts, f);
	fputs("\" -- \"$cur\"))\n}\ncomplete -F _memsnoop memsnoop\n", f);
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

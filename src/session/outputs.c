// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The files -o PREFIX writes, each PREFIX + suffix through one writer, and the report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "output.h"
#include "output_summary.h"
#include "out_files.h"
#include "output_svg.h"
#include "safefile.h"
#include "session.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int write_folded(const struct output_ctx *c, FILE *f)
{
	return output_folded__write(c->drawn, c->info->value, f);
}

static int write_pprof(const struct output_ctx *c, FILE *f)
{
	return output_pprof__write(c->per_process, c->pinfo, f);
}

static int write_lifetimes(const struct output_ctx *c, FILE *f)
{
	return output_lifetimes__write(c->per_process, f);
}

static int write_svg(const struct output_ctx *c, FILE *f)
{
	return output_svg__write(c->drawn, &(struct svg_opts){ c->info->value, c->icicle, c->info },
				 f);
}

static int write_summary(const struct output_ctx *c, FILE *f)
{
	return output_summary__write(c->profile, c->info, f);
}

static const struct output_kind {
	const char *suffix;
	int (*write)(const struct output_ctx *c, FILE *f);
	const char *note; /* what it is for, in the run's last lines */
} output_kinds[] = {
	{ ".folded", write_folded, "folded stacks: flamegraph.pl, inferno, speedscope" },
	{ ".pb.gz", write_pprof, "pprof heap profile, for go tool pprof" },
	{ ".lifetimes.json", write_lifetimes, "lifetime histograms" },
	{ ".svg", write_svg, "flame graph: open in a browser" },
	{ ".summary.json", write_summary, "the run's figures, losses and memory readings" },
};

static char *output_path(const char *prefix, const struct output_kind *k)
{
	char *path;

	return asprintf(&path, "%s%s", prefix, k->suffix) < 0 ? NULL : path;
}

/* Refused before attaching: a prefix naming a directory, or a directory memsnoop cannot write
 * in (every output goes beside the prefix). Nothing is created until there is a profile. */
int session__check_outputs(const char *prefix)
{
	return prefix ? safefile__check(prefix) : 0;
}

/* One output written whole under a temporary name, then renamed into place. */
static int write_output(const char *prefix, const struct output_kind *k,
			const struct safefile_owner *owner, const struct output_ctx *c)
{
	char *path = output_path(prefix, k);
	struct safefile *sf = path ? safefile__open(path, owner) : NULL;
	int err;

	free(path);
	if (!sf)
		return -errno;
	err = k->write(c, safefile__file(sf));
	if (err)
		return safefile__fail(sf, err);
	path = strdup(safefile__path(sf));
	err = safefile__commit(sf);
	if (!err && path)
		out_files__add(c->written, path, k->note);
	free(path);
	return err;
}

int session__write_outputs(const struct output_ctx *c, const char *prefix,
			   const struct safefile_owner *owner, FILE *report)
{
	int err = output_text__write(c->profile, c->info, report);

	fflush(report);
	if (report_losses_any(&c->info->losses))
		pr_warn("WARNING: data was lost during the run; see the end of the report\n");
	for (size_t i = 0; prefix && i < ARRAY_SIZE(output_kinds); i++)
		err = write_output(prefix, &output_kinds[i], owner, c) ?: err;
	return err;
}

/* "memory t=1.0s pid=42 rss=4194304 ...": each memory reading, exact, for pprof -comments. */
char **session__memory_comments(const struct mem_series *mem, size_t *cnt)
{
	char **out = calloc(mem->cnt ? mem->cnt : 1, sizeof(*out));
	size_t len;
	FILE *f;

	*cnt = 0;
	for (size_t i = 0; out && i < mem->cnt; i++) {
		/* a process's last reading only: hundreds of comment lines drown pprof -top */
		if (mem_series__last(mem, mem->points[i].pid) != &mem->points[i])
			continue;
		f = open_memstream(&out[*cnt], &len);
		if (!f)
			break;
		fprintf(f, "memory t=%.1fs pid=%d ", mem->points[i].t_s, (int)mem->points[i].pid);
		mem_point__describe(&mem->points[i], true, " ", f);
		if (fclose(f))
			break;
		(*cnt)++;
	}
	return out;
}

/* memsnoop's own command line, for the profile's comment. */
char *session__command_line(int argc, char **argv)
{
	size_t len = 0;
	char *s = NULL;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	for (int i = 0; i < argc; i++)
		fprintf(f, "%s%s", i ? " " : "", argv[i]);
	fclose(f);
	return s;
}

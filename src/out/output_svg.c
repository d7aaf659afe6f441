// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The flame graph is a tree of frames merged by name from the root (the stacks' outermost
 * frame) down, each node as wide as the value of the stacks through it. Every frame is one
 * <g class="f"> holding its <title>, <rect> and <text>, with its tree position in data
 * attributes (data-x: the value left of it among its siblings' subtrees, data-v: its value,
 * data-d: its depth, data-n: its name) so that the inline script can lay the frames out again
 * for a zoom or a flip without any other state. The file is drawn laid out already, so that
 * viewers without scripts show it too.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "escape.h"
#include "output_svg.h"
#include "units.h"

#define SVG_WIDTH 1200
#define SVG_PAD 10
#define FRAME_H 16
#define HEAD_H 50 /* title, subtitle, buttons */
#define FOOT_H 24 /* the details line */
#define CHAR_W 7  /* of the 12 px monospace font */
#define MIN_FRAME_W 0.3 /* pixels: 10,000 sites stay a few MB a browser opens at once */

struct node {
	const char *name;
	double value;
	uint32_t depth;
	int32_t first_child, next_sibling; /* -1: none */
};

struct tree {
	struct node *nodes;
	size_t cnt, cap;
	uint32_t max_depth;
};

static int add_node(struct tree *t, const char *name, uint32_t depth)
{
	if (grow_array((void **)&t->nodes, &t->cap, t->cnt + 1, sizeof(*t->nodes)))
		return -ENOMEM;
	t->nodes[t->cnt] = (struct node){ name, 0, depth, -1, -1 };
	if (depth > t->max_depth)
		t->max_depth = depth;
	return t->cnt++;
}

/* The child of parent named name, created (last among its siblings) when new. Names are the
 * profile's interned strings: equal names are equal pointers. */
static int child_of(struct tree *t, int parent, const char *name)
{
	int last = -1, id;

	for (id = t->nodes[parent].first_child; id >= 0; last = id, id = t->nodes[id].next_sibling)
		if (t->nodes[id].name == name)
			return id;
	id = add_node(t, name, t->nodes[parent].depth + 1);
	if (id < 0)
		return id;
	if (last < 0)
		t->nodes[parent].first_child = id;
	else
		t->nodes[last].next_sibling = id;
	return id;
}

static int add_stack(struct tree *t, const struct profile *p, const struct stack *s, double v)
{
	int node = 0;

	t->nodes[0].value += v;
	if (s->truncated) {
		node = child_of(t, node, "[truncated]");
		if (node < 0)
			return node;
		t->nodes[node].value += v;
	}
	/* root first: locations from the last, frames of each from the outermost */
	for (uint32_t i = s->loc_cnt; i-- > 0;) {
		const struct location *loc = profile__location(p, s->locs[i]);

		for (uint32_t j = loc->frame_cnt; j-- > 0;) {
			node = child_of(t, node, loc->frames[j].func);
			if (node < 0)
				return node;
			t->nodes[node].value += v;
		}
	}
	return 0;
}

/* A target's name as XML text: escaped as every report does (controls and invalid UTF-8 as
 * \xNN, which XML could not carry), then XML's own five characters; at most max bytes. */
static void put_escaped(FILE *f, const char *name, size_t max)
{
	char *s = escape_dup(name, "");

	for (size_t i = 0; s && s[i] && i < max; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(s[i], f);
		}
	}
	free(s);
}

/* A warm color from the name's hash, the same for a name everywhere (flamegraph.pl's "hot"). */
static void color_of(const char *name, char *buf, size_t sz)
{
	uint32_t h = 2166136261u;

	for (const char *c = name; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	snprintf(buf, sz, "rgb(%u,%u,%u)", 205 + (h & 0xff) * 50 / 255,
		 ((h >> 8) & 0xff) * 230 / 255, ((h >> 16) & 0xff) * 55 / 255);
}

static const char *fmt_value(enum value_type type, double v, char *buf, size_t sz)
{
	if (value_type_is_bytes(type))
		return format_bytes(v, buf, sz);
	snprintf(buf, sz, "%.0f object%s", v, plural_s(v));
	return buf;
}

struct layout {
	const struct svg_opts *o;
	double total, scale; /* pixels per unit of value */
	double height;
};

static double frame_y(const struct layout *l, uint32_t depth)
{
	if (l->o->icicle)
		return HEAD_H + depth * FRAME_H;
	return l->height - FOOT_H - (depth + 1) * FRAME_H;
}

static void write_frame(FILE *f, const struct layout *l, const struct node *n, double x_value)
{
	double w = n->value * l->scale, x = SVG_PAD + x_value * l->scale;
	size_t fit = w > 2 * CHAR_W ? (size_t)((w - 6) / CHAR_W) : 0;
	char color[32], v[32];

	fmt_value(l->o->value, n->value, v, sizeof(v));
	color_of(n->name, color, sizeof(color));
	fprintf(f, "<g class=\"f\" data-x=\"%.17g\" data-v=\"%.17g\" data-d=\"%u\" data-n=\"", x_value,
		n->value, n->depth);
	put_escaped(f, n->name, SIZE_MAX);
	fprintf(f, "\"><title>");
	put_escaped(f, n->name, SIZE_MAX);
	fprintf(f, " (%s, %.2f%%)</title><rect x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" height=\"%d\" "
		   "fill=\"%s\" rx=\"2\"/><text x=\"%.2f\" y=\"%.0f\">",
		v, 100.0 * n->value / l->total, x, frame_y(l, n->depth), w, FRAME_H - 1, color, x + 3,
		frame_y(l, n->depth) + FRAME_H - 4);
	if (fit >= strlen(n->name)) {
		put_escaped(f, n->name, SIZE_MAX);
	} else if (fit > 2) {
		put_escaped(f, n->name, fit - 2);
		fputs("..", f);
	}
	fputs("</text></g>\n", f);
}

/* Depth first, children left to right in the order first seen. */
static void write_subtree(FILE *f, const struct layout *l, const struct tree *t, int id,
			  double x_value)
{
	for (; id >= 0; id = t->nodes[id].next_sibling) {
		const struct node *n = &t->nodes[id];

		if (n->value * l->scale < MIN_FRAME_W)
			continue; /* too thin to see; its value still counts in its parent */
		write_frame(f, l, n, x_value);
		write_subtree(f, l, t, n->first_child, x_value);
		x_value += n->value;
	}
}

static void write_title(FILE *f, const struct profile *p, const struct svg_opts *o, double total,
			double width)
{
	const struct report_info *info = o->info;
	char v[32], rate[32];

	fprintf(f, "<text class=\"title\" x=\"%.0f\" y=\"20\" text-anchor=\"middle\">memsnoop: %s, %s</text>\n",
		width / 2, value_type_name(o->value), fmt_value(o->value, total, v, sizeof(v)));
	if (!info)
		return;
	fprintf(f, "<text class=\"sub\" x=\"%.0f\" y=\"36\" text-anchor=\"middle\">", width / 2);
	for (size_t i = 0; i < info->target_cnt; i++) {
		fputs(i ? ", " : "", f);
		put_escaped(f, info->targets[i].comm, SIZE_MAX);
		fprintf(f, " %d", (int)info->targets[i].pid);
	}
	if (profile__rate(p) == 1)
		snprintf(rate, sizeof(rate), "every allocation");
	else
		format_bytes(profile__rate(p), rate, sizeof(rate));
	fprintf(f, "; %.1f s; sampled: %s%s%s</text>\n", info->duration_s,
		profile__rate(p) == 1 ? "" : "one per ", rate,
		report_losses_any(&info->losses) ? "; DATA WAS LOST, see the text report" : "");
}

/* The script: hover details, click to zoom, reset, flip. It lays every frame out from its
 * data attributes, as write_frame() did. */
static const char script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"'use strict';\n"
	"var svg = document.documentElement, frames = [].slice.call(document.querySelectorAll('g.f'));\n"
	"var W = +svg.getAttribute('data-w'), H = +svg.getAttribute('height');\n"
	"var PAD = 10, FH = 16, HEAD = 50, FOOT = 24, CW = 7;\n"
	"var icicle = svg.getAttribute('data-icicle') === '1', zoomed = frames[0];\n"
	"var details = document.getElementById('details');\n"
	"function num(g, k) { return +g.getAttribute('data-' + k); }\n"
	"function fit(name, w) {\n"
	"  var n = Math.floor((w - 6) / CW);\n"
	"  if (w <= 2 * CW || n <= 2) return '';\n"
	"  return n >= name.length ? name : name.substring(0, n - 2) + '..';\n"
	"}\n"
	"function layout() {\n"
	"  var zx = num(zoomed, 'x'), zv = num(zoomed, 'v'), zd = num(zoomed, 'd');\n"
	"  var scale = (W - 2 * PAD) / zv;\n"
	"  frames.forEach(function (g) {\n"
	"    var x = num(g, 'x'), v = num(g, 'v'), d = num(g, 'd');\n"
	"    var inside = x >= zx && x + v <= zx + zv * (1 + 1e-12);\n"
	"    var above = d < zd && x <= zx && x + v >= zx + zv * (1 - 1e-12);\n"
	"    var r = g.querySelector('rect'), t = g.querySelector('text');\n"
	"    if (!(inside && d >= zd) && !above) { g.style.display = 'none'; return; }\n"
	"    g.style.display = '';\n"
	"    var px = above ? PAD : PAD + (x - zx) * scale, w = above ? W - 2 * PAD : v * scale;\n"
	"    var y = icicle ? HEAD + d * FH : H - FOOT - (d + 1) * FH;\n"
	"    r.setAttribute('x', px.toFixed(2)); r.setAttribute('width', w.toFixed(2));\n"
	"    r.setAttribute('y', y);\n"
	"    t.setAttribute('x', (px + 3).toFixed(2)); t.setAttribute('y', y + FH - 4);\n"
	"    t.textContent = fit(g.getAttribute('data-n'), w);\n"
	"    g.style.opacity = above && g !== frames[0] ? 0.6 : 1;\n"
	"  });\n"
	"}\n"
	"frames.forEach(function (g) {\n"
	"  g.addEventListener('mouseover', function () {\n"
	"    details.textContent = g.querySelector('title').textContent;\n"
	"  });\n"
	"  g.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
	"  g.addEventListener('click', function () { zoomed = g; layout(); });\n"
	"});\n"
	"document.getElementById('reset').addEventListener('click', function () {\n"
	"  zoomed = frames[0]; layout();\n"
	"});\n"
	"document.getElementById('flip').addEventListener('click', function () {\n"
	"  icicle = !icicle; layout();\n"
	"});\n"
	"]]></script>\n";

int output_svg__write(const struct profile *p, const struct svg_opts *o, FILE *f)
{
	struct tree t = {};
	struct layout l = { .o = o };
	int err = add_node(&t, "all", 0);

	for (uint32_t id = 0; !err && id < profile__stack_cnt(p); id++) {
		const struct stack *s = profile__stack(p, id);
		double v = stack_value(s, o->value);

		if (v > 0)
			err = add_stack(&t, p, s, v);
	}
	if (err < 0)
		goto out;
	err = 0;
	l.total = t.nodes[0].value;
	l.scale = l.total > 0 ? (SVG_WIDTH - 2.0 * SVG_PAD) / l.total : 0;
	l.height = HEAD_H + (t.max_depth + 1) * FRAME_H + FOOT_H;
	fprintf(f, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		   "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
		   "viewBox=\"0 0 %d %.0f\" data-w=\"%d\" data-icicle=\"%d\">\n",
		SVG_WIDTH, l.height, SVG_WIDTH, l.height, SVG_WIDTH, o->icicle);
	fprintf(f, "<style>text { font: 12px monospace; fill: #000; } .title { font-size: 17px; } "
		   ".sub { fill: #555; } .btn { cursor: pointer; fill: #225; } g.f { cursor: pointer; } "
		   "g.f:hover rect { stroke: #000; stroke-width: 0.5; }</style>\n");
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%.0f\" fill=\"#f8f8f0\"/>\n", SVG_WIDTH,
		l.height);
	write_title(f, p, o, l.total, SVG_WIDTH);
	fprintf(f, "<text id=\"reset\" class=\"btn\" x=\"%d\" y=\"20\">[reset zoom]</text>\n"
		   "<text id=\"flip\" class=\"btn\" x=\"%d\" y=\"20\" text-anchor=\"end\">[flame/icicle]</text>\n",
		SVG_PAD, SVG_WIDTH - SVG_PAD);
	fprintf(f, "<text id=\"details\" x=\"%d\" y=\"%.0f\"> </text>\n", SVG_PAD, l.height - 7);
	if (l.total > 0)
		write_subtree(f, &l, &t, 0, 0);
	else
		fprintf(f, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"middle\">no %s</text>\n", SVG_WIDTH / 2,
			l.height / 2, value_type_name(o->value));
	if (l.total > 0)
		fputs(script, f);
	fputs("</svg>\n", f);
	err = ferror(f) ? -EIO : 0;
out:
	free(t.nodes);
	return err;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alloc_names.h"

struct alloc_row_names {
	const char *report_name;
	const char *const *symbols; /* NULL-terminated */
};

#define ALLOC_ROW_NAMES(id, kind, api, size, count, ptr, out, align, report_name, ...) \
	[ROW_##id] = { report_name, (const char *const[]){ __VA_ARGS__, NULL } },
static const struct alloc_row_names row_names[ALLOC_ROW_CNT] = { ALLOC_TABLE(ALLOC_ROW_NAMES) };
#undef ALLOC_ROW_NAMES

static const char *const family_names[FAMILY_CNT] = {
	[FAMILY_GLIBC] = "glibc",	    [FAMILY_MUSL] = "musl",
	[FAMILY_JEMALLOC] = "jemalloc",	    [FAMILY_TCMALLOC] = "tcmalloc",
	[FAMILY_MIMALLOC] = "mimalloc",	    [FAMILY_OTHER] = "other",
};

/* Symbols that only one allocator exports. glibc: its loader's and libc's own; musl: the
 * internals of mallocng, present in a static executable's symbol table. */
static const struct {
	const char *symbol;
	enum alloc_family family;
} markers[] = {
	{ "mallocx", FAMILY_JEMALLOC },		{ "je_mallocx", FAMILY_JEMALLOC },
	{ "_rjem_mallocx", FAMILY_JEMALLOC },	{ "malloc_stats_print", FAMILY_JEMALLOC },
	{ "tc_malloc", FAMILY_TCMALLOC },	{ "mi_malloc", FAMILY_MIMALLOC },
	{ "__libc_malloc_impl", FAMILY_MUSL },	{ "__malloc_donate", FAMILY_MUSL },
	{ "__libc_calloc", FAMILY_GLIBC },	{ "gnu_get_libc_version", FAMILY_GLIBC },
};

/* Every symbol of the table, sorted, for lookups by name. */
struct symbol_entry {
	const char *symbol;
	enum alloc_row row;
	int rank; /* its place in the row's list: the row's own name first */
};

static struct symbol_entry *symbols;
static size_t symbol_cnt;
static pthread_once_t symbols_once = PTHREAD_ONCE_INIT;

static int cmp_symbol(const void *a, const void *b)
{
	return strcmp(((const struct symbol_entry *)a)->symbol,
		      ((const struct symbol_entry *)b)->symbol);
}

static void build_symbols(void)
{
	size_t n = 0;

	for (int row = 0; row < ALLOC_ROW_CNT; row++)
		for (const char *const *s = row_names[row].symbols; *s; s++)
			n++;
	symbols = calloc(n, sizeof(*symbols));
	if (!symbols)
		return;
	for (int row = 0; row < ALLOC_ROW_CNT; row++)
		for (const char *const *s = row_names[row].symbols; *s; s++)
			symbols[symbol_cnt++] =
				(struct symbol_entry){ *s, row, s - row_names[row].symbols };
	qsort(symbols, symbol_cnt, sizeof(*symbols), cmp_symbol);
}

static const struct symbol_entry *find_symbol(const char *symbol)
{
	struct symbol_entry key = { symbol, 0, 0 };

	pthread_once(&symbols_once, build_symbols);
	return bsearch(&key, symbols, symbol_cnt, sizeof(*symbols), cmp_symbol);
}

int alloc_row_by_symbol(const char *symbol)
{
	const struct symbol_entry *found = find_symbol(symbol);

	return found ? (int)found->row : -1;
}

int alloc_symbol_rank(const char *symbol)
{
	const struct symbol_entry *found = find_symbol(symbol);

	return found ? found->rank : INT_MAX;
}

const char *alloc_row_name(enum alloc_row row)
{
	return row < ALLOC_ROW_CNT ? row_names[row].report_name : "?";
}

enum alloc_kind alloc_row_kind(enum alloc_row row)
{
	return alloc_row_specs[row].kind;
}

enum alloc_api alloc_row_api(enum alloc_row row)
{
	return alloc_row_specs[row].api;
}

unsigned alloc_row_arg_cnt(enum alloc_row row)
{
	const struct alloc_row_spec *s = &alloc_row_specs[row];
	unsigned n = 0;
	const __u8 args[] = { s->size_arg, s->count_arg, s->ptr_arg, s->out_arg, s->align_arg };

	for (size_t i = 0; i < sizeof(args); i++)
		if (args[i] > n)
			n = args[i];
	return n;
}

const char *alloc_family_name(enum alloc_family family)
{
	return family < FAMILY_CNT ? family_names[family] : "?";
}

const char *alloc_family_blind_spot(enum alloc_family family)
{
	switch (family) {
	case FAMILY_JEMALLOC:
		return "jemalloc's xallocx resizes blocks in place: its calls are counted, a sampled block keeps the size it had";
	case FAMILY_MIMALLOC:
		return "mimalloc's mi_heap_*, mi_strdup, mi_strndup and mi_expand calls (not probed)";
	default:
		return NULL;
	}
}

static const char *const own_names[ALLOC_OWN_CNT] = {
	"PartitionAlloc", "mozjemalloc", "the Go runtime's allocator", "V8's heap or Oilpan (cppgc)",
	"HotSpot's Java heap",
};

/* a piece of a (mangled) function name only that allocator's code has */
static const struct {
	const char *part;
	int own;
} own_markers[] = {
	{ "15partition_alloc", 0 }, /* _ZN15partition_alloc..., namespace partition_alloc */
	{ "PartitionRoot", 0 },
	{ "moz_arena_malloc", 1 },
	{ "runtime.mallocgc", 2 },
	{ "_ZN5cppgc", 3 },
	{ "_ZN2v88internal4Heap", 3 },
	{ "_ZN13CollectedHeap", 4 },
};

int alloc_own_marker(const char *symbol)
{
	for (size_t i = 0; i < sizeof(own_markers) / sizeof(own_markers[0]); i++)
		if (strstr(symbol, own_markers[i].part))
			return own_markers[i].own;
	return -1;
}

const char *alloc_own_name(int own)
{
	return own >= 0 && own < ALLOC_OWN_CNT ? own_names[own] : "?";
}

int alloc_family_marker(const char *symbol)
{
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
		if (!strcmp(symbol, markers[i].symbol))
			return markers[i].family;
	return -1;
}

void alloc_counters_sum(const struct fn_counter counters[ALLOC_COUNTER_CNT], uint64_t *calls,
			uint64_t *bytes, uint64_t *frees)
{
	*calls = *bytes = *frees = 0;
	for (unsigned i = 0; i < ALLOC_COUNTER_CNT; i++) {
		switch (alloc_row_kind(alloc_counter_row(i))) {
		case AK_FREE:
			*frees += counters[i].calls;
			break;
		case AK_RESIZE: /* no new block */
			break;
		default:
			*calls += counters[i].calls;
			*bytes += counters[i].bytes;
		}
	}
}

enum alloc_row alloc_counter_row(unsigned counter)
{
	return counter % ALLOC_ROW_CNT;
}

const char *alloc_counter_group(unsigned counter)
{
	if (alloc_row_api(alloc_counter_row(counter)) == API_CXX)
		return "C++";
	return alloc_family_name(counter / ALLOC_ROW_CNT);
}

static bool is_cxx_operator(const char *name)
{
	static const char *const ops[] = { "operator new", "operator delete" };

	for (size_t i = 0; i < 2; i++) {
		size_t len = strlen(ops[i]);

		/* "operator new(unsigned long)", "operator new[](unsigned long, ...)" */
		if (!strncmp(name, ops[i], len) &&
		    (name[len] == '\0' || name[len] == '(' || name[len] == '['))
			return true;
	}
	return false;
}

bool is_allocator_function(const char *name)
{
	return alloc_row_by_symbol(name) >= 0 || is_cxx_operator(name);
}

static char *drop_frames;
static pthread_once_t drop_frames_once = PTHREAD_ONCE_INIT;

/* Every C symbol of the table (mangled names are matched demangled, by the operator's
 * name), alternatives of one anchored group. */
static void build_drop_frames(void)
{
	static const char cxx[] = "operator (new|delete)(\\[\\])?(\\(.*\\))?";
	size_t len = sizeof(cxx), off = 0;

	pthread_once(&symbols_once, build_symbols);
	for (size_t i = 0; i < symbol_cnt; i++)
		len += strlen(symbols[i].symbol) + 1;
	drop_frames = malloc(len);
	if (!drop_frames)
		return;
	for (size_t i = 0; i < symbol_cnt; i++)
		if (strncmp(symbols[i].symbol, "_Z", 2))
			off += sprintf(drop_frames + off, "%s|", symbols[i].symbol);
	memcpy(drop_frames + off, cxx, sizeof(cxx));
}

const char *alloc_drop_frames_regex(void)
{
	pthread_once(&drop_frames_once, build_drop_frames);
	return drop_frames ? drop_frames : "malloc|free";
}

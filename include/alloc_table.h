/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The allocator table: every entry point memsnoop probes, one row each, shared by the BPF
 * program and user space. A row says what the function does (its kind) and which argument
 * register holds the size, the count, the pointer, the out-pointer and the alignment; user
 * space adds its symbol names (C, prefixed and mangled) and the name a report shows.
 *
 * The attach cookie of a probe names its row and the allocator family of the object it sits
 * in; the BPF program decodes the arguments from the row, the way libbpf's USDT support turns a
 * spec id into argument fetches. Counters, report rows, pprof's drop_frames and the trimming
 * of allocator frames are all derived from this table: adding an allocator is adding rows.
 */
#ifndef MEMSNOOP_ALLOC_TABLE_H
#define MEMSNOOP_ALLOC_TABLE_H

#ifndef __BPF__
#include <linux/types.h>
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#endif

enum alloc_kind {
	AK_ALLOC,     /* returns the new block */
	AK_OUT_PARAM, /* writes the new block to *out and returns 0 */
	AK_REALLOC,   /* returns the block that replaces ptr (ptr itself may come back) */
	AK_FREE,      /* releases ptr */
	AK_RESIZE,    /* resizes ptr in place (jemalloc's xallocx): counted, the block stays */
};

/* Who defines a row's interface: C rows belong to whichever allocator the object is. */
enum alloc_api {
	API_C,
	API_CXX,
	API_JEMALLOC,
	API_MIMALLOC,
};

/*
 * X(ID, kind, api, size, count, ptr, out, align, "report name", "symbol", ...): arguments are
 * System V integer registers, 1 to 5, 0 where the function has none. A row's symbols are
 * every name the same function is exported under (glibc's __libc_ names, jemalloc's je_ and
 * _rjem_ prefixes, tcmalloc's tc_ and mimalloc's mi_ equivalents, C++'s mangled operators).
 */
#define ALLOC_TABLE(X)                                                                            \
	X(MALLOC, AK_ALLOC, API_C, 1, 0, 0, 0, 0, "malloc", "malloc", "__libc_malloc", "je_malloc", \
	  "_rjem_malloc", "tc_malloc", "tc_malloc_skip_new_handler", "mi_malloc")                   \
	X(CALLOC, AK_ALLOC, API_C, 2, 1, 0, 0, 0, "calloc", "calloc", "__libc_calloc", "je_calloc", \
	  "_rjem_calloc", "tc_calloc", "mi_calloc")                                                 \
	X(REALLOC, AK_REALLOC, API_C, 2, 0, 1, 0, 0, "realloc", "realloc", "__libc_realloc",        \
	  "je_realloc", "_rjem_realloc", "tc_realloc", "mi_realloc")                                \
	X(REALLOCARRAY, AK_REALLOC, API_C, 3, 2, 1, 0, 0, "reallocarray", "reallocarray",           \
	  "__libc_reallocarray", "mi_reallocarray")                                                 \
	X(POSIX_MEMALIGN, AK_OUT_PARAM, API_C, 3, 0, 0, 1, 2, "posix_memalign", "posix_memalign",   \
	  "__posix_memalign", "je_posix_memalign", "_rjem_posix_memalign", "tc_posix_memalign",     \
	  "mi_posix_memalign")                                                                      \
	X(ALIGNED_ALLOC, AK_ALLOC, API_C, 2, 0, 0, 0, 1, "aligned_alloc", "aligned_alloc",          \
	  "je_aligned_alloc", "_rjem_aligned_alloc", "mi_aligned_alloc")                            \
	X(MEMALIGN, AK_ALLOC, API_C, 2, 0, 0, 0, 1, "memalign", "memalign", "__libc_memalign",      \
	  "je_memalign", "_rjem_memalign", "tc_memalign", "mi_memalign")                            \
	X(VALLOC, AK_ALLOC, API_C, 1, 0, 0, 0, 0, "valloc", "valloc", "__libc_valloc", "je_valloc", \
	  "_rjem_valloc", "tc_valloc", "mi_valloc")                                                 \
	X(PVALLOC, AK_ALLOC, API_C, 1, 0, 0, 0, 0, "pvalloc", "pvalloc", "__libc_pvalloc",          \
	  "tc_pvalloc", "mi_pvalloc")                                                               \
	X(FREE, AK_FREE, API_C, 0, 0, 1, 0, 0, "free", "free", "__libc_free", "cfree", "je_free",   \
	  "_rjem_free", "tc_free", "tc_cfree", "mi_free", "mi_free_aligned")                        \
	X(FREE_SIZED, AK_FREE, API_C, 2, 0, 1, 0, 0, "free_sized", "free_sized", "tc_free_sized",   \
	  "mi_free_size")                                                                           \
	X(FREE_ALIGNED_SIZED, AK_FREE, API_C, 3, 0, 1, 0, 2, "free_aligned_sized",                  \
	  "free_aligned_sized", "mi_free_size_aligned")                                             \
	X(MALLOCX, AK_ALLOC, API_JEMALLOC, 1, 0, 0, 0, 0, "mallocx", "mallocx", "je_mallocx",       \
	  "_rjem_mallocx")                                                                          \
	X(RALLOCX, AK_REALLOC, API_JEMALLOC, 2, 0, 1, 0, 0, "rallocx", "rallocx", "je_rallocx",     \
	  "_rjem_rallocx")                                                                          \
	X(XALLOCX, AK_RESIZE, API_JEMALLOC, 2, 0, 1, 0, 0, "xallocx", "xallocx", "je_xallocx",      \
	  "_rjem_xallocx")                                                                          \
	X(DALLOCX, AK_FREE, API_JEMALLOC, 0, 0, 1, 0, 0, "dallocx", "dallocx", "je_dallocx",        \
	  "_rjem_dallocx")                                                                          \
	X(SDALLOCX, AK_FREE, API_JEMALLOC, 2, 0, 1, 0, 0, "sdallocx", "sdallocx", "je_sdallocx",    \
	  "_rjem_sdallocx")                                                                         \
	X(MI_ZALLOC, AK_ALLOC, API_MIMALLOC, 1, 0, 0, 0, 0, "mi_zalloc", "mi_zalloc")               \
	X(MI_MALLOCN, AK_ALLOC, API_MIMALLOC, 2, 1, 0, 0, 0, "mi_mallocn", "mi_mallocn")            \
	X(MI_MALLOC_ALIGNED, AK_ALLOC, API_MIMALLOC, 1, 0, 0, 0, 2, "mi_malloc_aligned",            \
	  "mi_malloc_aligned")                                                                      \
	X(MI_ZALLOC_ALIGNED, AK_ALLOC, API_MIMALLOC, 1, 0, 0, 0, 2, "mi_zalloc_aligned",            \
	  "mi_zalloc_aligned")                                                                      \
	X(MI_CALLOC_ALIGNED, AK_ALLOC, API_MIMALLOC, 2, 1, 0, 0, 3, "mi_calloc_aligned",            \
	  "mi_calloc_aligned")                                                                      \
	X(MI_REALLOC_ALIGNED, AK_REALLOC, API_MIMALLOC, 2, 0, 1, 0, 3, "mi_realloc_aligned",        \
	  "mi_realloc_aligned")                                                                     \
	X(MI_REALLOCN, AK_REALLOC, API_MIMALLOC, 3, 2, 1, 0, 0, "mi_reallocn", "mi_reallocn")       \
	X(MI_REALLOCF, AK_REALLOC, API_MIMALLOC, 2, 0, 1, 0, 0, "reallocf", "mi_reallocf",          \
	  "reallocf")                                                                               \
	X(MI_NEW_N, AK_ALLOC, API_MIMALLOC, 2, 1, 0, 0, 0, "mi_new_n", "mi_new_n")                  \
	X(MI_NEW_REALLOC, AK_REALLOC, API_MIMALLOC, 2, 0, 1, 0, 0, "mi_new_realloc",                \
	  "mi_new_realloc")                                                                         \
	X(MI_NEW_REALLOCN, AK_REALLOC, API_MIMALLOC, 3, 2, 1, 0, 0, "mi_new_reallocn",              \
	  "mi_new_reallocn")                                                                        \
	X(NEW, AK_ALLOC, API_CXX, 1, 0, 0, 0, 0, "new", "_Znwm", "tc_new", "mi_new")                \
	X(NEW_ARRAY, AK_ALLOC, API_CXX, 1, 0, 0, 0, 0, "new[]", "_Znam", "tc_newarray")             \
	X(NEW_NOTHROW, AK_ALLOC, API_CXX, 1, 0, 0, 0, 0, "new(nothrow)", "_ZnwmRKSt9nothrow_t",     \
	  "tc_new_nothrow", "mi_new_nothrow")                                                       \
	X(NEW_ARRAY_NOTHROW, AK_ALLOC, API_CXX, 1, 0, 0, 0, 0, "new[](nothrow)",                    \
	  "_ZnamRKSt9nothrow_t", "tc_newarray_nothrow")                                             \
	X(NEW_ALIGNED, AK_ALLOC, API_CXX, 1, 0, 0, 0, 2, "new(align)", "_ZnwmSt11align_val_t",      \
	  "tc_new_aligned", "mi_new_aligned")                                                       \
	X(NEW_ARRAY_ALIGNED, AK_ALLOC, API_CXX, 1, 0, 0, 0, 2, "new[](align)",                      \
	  "_ZnamSt11align_val_t", "tc_newarray_aligned")                                            \
	X(NEW_ALIGNED_NOTHROW, AK_ALLOC, API_CXX, 1, 0, 0, 0, 2, "new(align,nothrow)",              \
	  "_ZnwmSt11align_val_tRKSt9nothrow_t", "tc_new_aligned_nothrow",                           \
	  "mi_new_aligned_nothrow")                                                                 \
	X(NEW_ARRAY_ALIGNED_NOTHROW, AK_ALLOC, API_CXX, 1, 0, 0, 0, 2, "new[](align,nothrow)",      \
	  "_ZnamSt11align_val_tRKSt9nothrow_t", "tc_newarray_aligned_nothrow")                      \
	X(DELETE, AK_FREE, API_CXX, 0, 0, 1, 0, 0, "delete", "_ZdlPv", "tc_delete")                 \
	X(DELETE_ARRAY, AK_FREE, API_CXX, 0, 0, 1, 0, 0, "delete[]", "_ZdaPv", "tc_deletearray")    \
	X(DELETE_SIZED, AK_FREE, API_CXX, 2, 0, 1, 0, 0, "delete(size)", "_ZdlPvm",                 \
	  "tc_delete_sized")                                                                        \
	X(DELETE_ARRAY_SIZED, AK_FREE, API_CXX, 2, 0, 1, 0, 0, "delete[](size)", "_ZdaPvm",         \
	  "tc_deletearray_sized")                                                                   \
	X(DELETE_ALIGNED, AK_FREE, API_CXX, 0, 0, 1, 0, 2, "delete(align)",                         \
	  "_ZdlPvSt11align_val_t", "tc_delete_aligned")                                             \
	X(DELETE_ARRAY_ALIGNED, AK_FREE, API_CXX, 0, 0, 1, 0, 2, "delete[](align)",                 \
	  "_ZdaPvSt11align_val_t", "tc_deletearray_aligned")                                        \
	X(DELETE_SIZED_ALIGNED, AK_FREE, API_CXX, 2, 0, 1, 0, 3, "delete(size,align)",              \
	  "_ZdlPvmSt11align_val_t", "tc_delete_sized_aligned")                                      \
	X(DELETE_ARRAY_SIZED_ALIGNED, AK_FREE, API_CXX, 2, 0, 1, 0, 3, "delete[](size,align)",      \
	  "_ZdaPvmSt11align_val_t", "tc_deletearray_sized_aligned")                                 \
	X(DELETE_NOTHROW, AK_FREE, API_CXX, 0, 0, 1, 0, 0, "delete(nothrow)",                       \
	  "_ZdlPvRKSt9nothrow_t", "tc_delete_nothrow")                                              \
	X(DELETE_ARRAY_NOTHROW, AK_FREE, API_CXX, 0, 0, 1, 0, 0, "delete[](nothrow)",               \
	  "_ZdaPvRKSt9nothrow_t", "tc_deletearray_nothrow")                                         \
	X(DELETE_ALIGNED_NOTHROW, AK_FREE, API_CXX, 0, 0, 1, 0, 2, "delete(align,nothrow)",         \
	  "_ZdlPvSt11align_val_tRKSt9nothrow_t", "tc_delete_aligned_nothrow")                       \
	X(DELETE_ARRAY_ALIGNED_NOTHROW, AK_FREE, API_CXX, 0, 0, 1, 0, 2, "delete[](align,nothrow)", \
	  "_ZdaPvSt11align_val_tRKSt9nothrow_t", "tc_deletearray_aligned_nothrow")

#define ALLOC_ROW_ID(id, ...) ROW_##id,
enum alloc_row { ALLOC_TABLE(ALLOC_ROW_ID) ALLOC_ROW_CNT };
#undef ALLOC_ROW_ID

/* The allocator an object implements, told by the symbols it exports (never its file name). */
enum alloc_family {
	FAMILY_GLIBC,
	FAMILY_MUSL,
	FAMILY_JEMALLOC,
	FAMILY_TCMALLOC,
	FAMILY_MIMALLOC,
	FAMILY_OTHER, /* a wrapper or an allocator memsnoop knows by its C names only */
	FAMILY_CNT,
};

/* What the BPF program needs of a row. */
struct alloc_row_spec {
	__u8 kind; /* enum alloc_kind */
	__u8 size_arg;
	__u8 count_arg; /* multiplied by the size (calloc) */
	__u8 ptr_arg;	/* the block freed, reallocated or resized */
	__u8 out_arg;	/* where the new block's address is written */
	__u8 align_arg;
	__u8 api; /* enum alloc_api */
	__u8 __pad;
};

#define ALLOC_ROW_SPEC(id, kind, api, size, count, ptr, out, align, ...) \
	[ROW_##id] = { kind, size, count, ptr, out, align, api, 0 },
static const struct alloc_row_spec alloc_row_specs[ALLOC_ROW_CNT] = { ALLOC_TABLE(ALLOC_ROW_SPEC) };
#undef ALLOC_ROW_SPEC

/* A call's arguments as its row reads them. */
struct alloc_call {
	__u64 size; /* bytes requested: count * size where the row has a count */
	__u64 ptr;  /* the block freed, reallocated or resized */
	__u64 out;  /* where an AK_OUT_PARAM call writes the new block */
};

/* a * b, or ~0 when it overflows (the allocator then fails the call) */
static __always_inline __u64 mul_saturated(__u64 a, __u64 b)
{
	__u64 limit;

	if (!a)
		return 0;
	limit = ~0ULL / a;
#ifdef __BPF__
	barrier_var(limit); /* else clang folds the test into a 128-bit multiply BPF lacks */
#endif
	return b > limit ? ~0ULL : a * b;
}

/* Argument n (1 to 5) of reg[], the argument registers in order; 0 for none. */
static __always_inline __u64 alloc_arg(const __u64 reg[5], __u32 n)
{
	return n >= 1 && n <= 5 ? reg[n - 1] : 0;
}

/* Decodes a call from its argument registers, the way its row says: the BPF program does
 * this on every probed call, the unit tests on made-up registers. */
static __always_inline void alloc_decode(const struct alloc_row_spec *spec, const __u64 reg[5],
					 struct alloc_call *call)
{
	call->size = alloc_arg(reg, spec->size_arg);
	if (spec->count_arg)
		call->size = mul_saturated(alloc_arg(reg, spec->count_arg), call->size);
	call->ptr = spec->kind == AK_ALLOC || spec->kind == AK_OUT_PARAM ? 0 :
									   alloc_arg(reg, spec->ptr_arg);
	call->out = spec->kind == AK_OUT_PARAM ? alloc_arg(reg, spec->out_arg) : 0;
}

/*
 * The attach cookie: the row, the family of the object probed, and whether that function
 * calls another entry point (then the inner call is the outer one's own and is not counted:
 * an allocation forwarder always takes its return probe, a free forwarder arms a guard).
 */
#define COOKIE_ROW_MASK 0xffu
#define COOKIE_FAMILY_SHIFT 8
#define COOKIE_FAMILY_MASK 0xfu
#define COOKIE_FORWARDS (1u << 16)

/* The exact counters: one per (family, row). */
#define ALLOC_COUNTER_CNT (FAMILY_CNT * ALLOC_ROW_CNT)

static __always_inline __u32 alloc_cookie(enum alloc_row row, enum alloc_family family,
					  int forwards)
{
	return row | (__u32)family << COOKIE_FAMILY_SHIFT | (forwards ? COOKIE_FORWARDS : 0);
}

static __always_inline __u32 cookie_row(__u64 cookie)
{
	return cookie & COOKIE_ROW_MASK;
}

static __always_inline __u32 cookie_family(__u64 cookie)
{
	return (cookie >> COOKIE_FAMILY_SHIFT) & COOKIE_FAMILY_MASK;
}

static __always_inline __u32 cookie_counter(__u64 cookie)
{
	return cookie_family(cookie) * ALLOC_ROW_CNT + cookie_row(cookie);
}

_Static_assert(ALLOC_ROW_CNT <= COOKIE_ROW_MASK + 1, "rows fit the cookie");
_Static_assert(FAMILY_CNT <= COOKIE_FAMILY_MASK + 1, "families fit the cookie");
_Static_assert(sizeof(struct alloc_row_spec) == 8, "alloc_row_spec layout");

#endif /* MEMSNOOP_ALLOC_TABLE_H */

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The record core fed hand-built ring-buffer records. Stacks are return addresses into this
 * test binary's own functions (taken with __builtin_return_address, so they symbolize from its
 * debug info through /proc/self/maps), or pcs of a process that does not exist, which stay
 * [unknown]: pure and deterministic.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "collect.h"
#include "memsnoop_abi.h"
#include "profile.h"

#define NO_SUCH_PID 0x3ffffff0

static uint64_t ras[4];
static int ra_cnt;

static __attribute__((noipa)) void take_ra(void)
{
	ras[ra_cnt++ % 4] = (uint64_t)(uintptr_t)__builtin_return_address(0);
	asm volatile("");
}

/* noipa: never inlined nor folded with its twin (-fipa-icf); asm volatile("") after each call
 * keeps it a call, not a tail jump */
static __attribute__((noipa)) void site_a(void)
{
	take_ra();
	asm volatile("");
}

static __attribute__((noipa)) void site_b(void)
{
	take_ra();
	asm volatile("");
}

/* clang-format off */
static __attribute__((noipa)) void one_line_two_calls(void)
{
	take_ra(); asm volatile(""); take_ra(); asm volatile("");
}
/* clang-format on */

static uint64_t pc_in(void (*fn)(void))
{
	ra_cnt = 0;
	fn();
	return ras[0];
}

struct fixture {
	struct profile *profile;
	struct collector *c;
	pid_t exec_pid, exec_old_tid;
	int exec_cnt;
};

static void on_exec(void *ctx, pid_t pid, pid_t old_tid)
{
	struct fixture *f = ctx;

	f->exec_pid = pid;
	f->exec_old_tid = old_tid;
	f->exec_cnt++;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct collector_opts opts = { .on_exec = on_exec, .hook_ctx = f };

	if (!f)
		return -1;
	f->profile = profile__new(1); /* rate 1: each sample weighs exactly 1 */
	f->c = f->profile ? collector__new(&opts, f->profile) : NULL;
	*state = f;
	return f->c && !collector__watch_process(f->c, getpid()) ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	collector__free(f->c);
	profile__free(f->profile);
	free(f);
	return 0;
}

static void send(struct collector *c, void *ev, size_t sz)
{
	assert_int_equal(collector__handle_event(c, ev, sz), 0);
}

static void send_alloc_flags(struct collector *c, uint32_t tgid, uint64_t ptr, uint64_t size,
			     uint64_t ts_ns, uint64_t pc, uint16_t flags)
{
	struct alloc_event ev = {
		.a = { .hdr = { EV_ALLOC, tgid, ts_ns }, .ptr = ptr, .size = size, .tid = tgid,
		       .flags = flags },
		.stack_cnt = 2,
		/* an outer frame no mapping holds: the stack's root is [unknown] */
		.stack = { pc, 0x10 },
	};

	send(c, &ev, ALLOC_EVENT_HEADER_SZ + ev.stack_cnt * sizeof(ev.stack[0]));
}

static void send_alloc(struct collector *c, uint32_t tgid, uint64_t ptr, uint64_t size,
		       uint64_t ts_ns, uint64_t pc)
{
	send_alloc_flags(c, tgid, ptr, size, ts_ns, pc, 0);
}

static void send_free(struct collector *c, uint32_t tgid, uint64_t ptr, uint64_t ts_ns)
{
	struct free_event ev = { .hdr = { EV_FREE, tgid, ts_ns }, .ptr = ptr };

	send(c, &ev, sizeof(ev));
}

static void send_exec(struct collector *c, uint32_t tgid, uint32_t old_tid, uint64_t ts_ns)
{
	struct task_event ev = { .hdr = { EV_EXEC, tgid, ts_ns }, .old_tid = old_tid };

	send(c, &ev, sizeof(ev));
}

static struct collector_stats stats_of(struct collector *c)
{
	struct collector_stats st;

	collector__stats(c, &st);
	return st;
}

/* The one profile stack whose leaf is in function func. */
static const struct stack *stack_in(const struct profile *p, const char *func)
{
	const struct stack *found = NULL;

	for (size_t i = 0; i < profile__stack_cnt(p); i++) {
		const struct stack *s = profile__stack(p, i);
		const struct location *leaf = profile__location(p, s->locs[0]);

		if (strcmp(leaf->frames[leaf->frame_cnt - 1].func, func))
			continue;
		assert_null(found);
		found = s;
	}
	assert_non_null(found);
	return found;
}

static double lifetimes_total(const struct stack *s)
{
	double sum = 0;

	for (unsigned k = 0; k < LIFETIME_BUCKETS; k++)
		sum += s->lifetimes[k];
	return sum;
}

/*
 * Samples of a stack not symbolized yet wait in a log and reach the profile, in their order,
 * only at the snapshot; once the stack is known, samples go straight in.
 */
static void test_collect_pending_log_replays_in_order(void **state)
{
	struct fixture *f = *state;
	uint64_t pc = pc_in(site_a);
	const struct stack *s;
	const struct location *root;

	send_alloc(f->c, getpid(), 0x1000, 100, 1000, pc);
	send_free(f->c, getpid(), 0x1000, 1000 + 3000);
	send_alloc(f->c, getpid(), 0x1000, 50, 5000, pc); /* the same address again */
	send_free(f->c, getpid(), 0x9999, 6000); /* never sampled */
	assert_int_equal(profile__stack_cnt(f->profile), 0);

	assert_int_equal(collector__snapshot(f->c, 5000 + 100), 0);
	assert_int_equal(profile__stack_cnt(f->profile), 1);
	s = stack_in(f->profile, "site_a");
	assert_int_equal(s->loc_cnt, 2);
	root = profile__location(f->profile, s->locs[1]);
	assert_string_equal(root->frames[0].func, "[unknown]");
	assert_true(s->v.alloc_objects == 2 && s->v.alloc_space == 150);
	assert_true(s->v.inuse_objects == 1 && s->v.inuse_space == 50);
	assert_true(s->lifetimes[lifetime_bucket(3000)] == 1 && lifetimes_total(s) == 1);
	assert_true(s->live_ages[lifetime_bucket(100)] == 1);

	/* the stack is resolved now: the next sample is in the profile at once */
	send_alloc(f->c, getpid(), 0x2000, 8, 7000, pc);
	assert_true(s->v.alloc_objects == 3 && s->v.inuse_objects == 2);
	assert_int_equal(stats_of(f->c).alloc_events, 3);
	assert_int_equal(stats_of(f->c).free_events, 2);
	assert_int_equal(stats_of(f->c).unknown_frees, 1);
	assert_int_equal(stats_of(f->c).unique_stacks, 1);
	assert_int_equal(stats_of(f->c).unresolved_samples, 0);
}

/* Past --max-stacks, samples of new stacks go to the one counted [stack table full] site. */
static void test_collect_overflow_entry_past_the_stack_cap(void **state)
{
	struct fixture *f = *state;
	uint64_t pcs[] = { pc_in(site_a), pc_in(site_b), pc_in(one_line_two_calls), 0x20 };
	const struct stack *full;
	size_t full_id = SIZE_MAX;

	profile__set_max_stacks(f->profile, 2);
	for (int i = 0; i < 4; i++)
		send_alloc(f->c, getpid(), 0x1000 * (i + 1), 10, 1, pcs[i]);
	send_alloc(f->c, getpid(), 0x9000, 10, 1, pcs[3]); /* an overflowed stack again */
	send_free(f->c, getpid(), 0x3000, 2); /* a sample of the full site, freed */
	assert_int_equal(collector__snapshot(f->c, 3), 0);

	assert_int_equal(profile__stack_cnt(f->profile), 3);
	assert_true(stack_in(f->profile, "site_a")->v.alloc_objects == 1);
	assert_true(stack_in(f->profile, "site_b")->v.alloc_objects == 1);
	for (size_t i = 0; i < profile__stack_cnt(f->profile); i++)
		if (profile__stack_is_full(f->profile, i))
			full_id = i;
	assert_true(full_id != SIZE_MAX);
	full = profile__stack(f->profile, full_id);
	assert_string_equal(profile__location(f->profile, full->locs[0])->frames[0].func,
			    PROFILE_FULL_NAME);
	assert_true(full->v.alloc_objects == 3 && full->v.inuse_objects == 2);
	assert_int_equal(profile__full_samples(f->profile), 3);
	/* the overflowed stacks were not remembered: memory stays bounded */
	assert_int_equal(stats_of(f->c).unique_stacks, 2);
}

struct kernel_view {
	uint64_t held_ptr; /* the one block the fake kernel still holds */
	int asked;
	uint64_t asked_ts[8];
};

static bool kernel_holds(void *ctx, const struct live_key *key, uint64_t ts_ns)
{
	struct kernel_view *k = ctx;

	k->asked_ts[k->asked++ % 8] = ts_ns;
	return key->ptr == k->held_ptr;
}

/* Never invent a leak: a sample the kernel no longer holds had its free lost. */
static void test_collect_reconcile_live_retires_lost_frees(void **state)
{
	struct fixture *f = *state;
	struct kernel_view k = { .held_ptr = 0x2000 };
	uint64_t pc = pc_in(site_a);
	const struct stack *s;

	send_alloc(f->c, getpid(), 0x1000, 100, 11, pc);
	send_alloc(f->c, getpid(), 0x2000, 200, 22, pc);
	send_alloc(f->c, getpid(), 0x3000, 300, 33, pc);
	send_alloc_flags(f->c, getpid(), 0x4000, 400, 44, pc, AEF_UNTRACKED); /* never live */
	assert_int_equal(collector__reconcile_live(f->c, kernel_holds, &k), 2);
	assert_int_equal(k.asked, 3); /* every live sample asked about, with its own time */
	assert_true(k.asked_ts[0] + k.asked_ts[1] + k.asked_ts[2] == 11 + 22 + 33);
	assert_int_equal(collector__snapshot(f->c, 100), 0);

	s = stack_in(f->profile, "site_a");
	assert_true(s->v.alloc_objects == 4 && s->v.alloc_space == 1000);
	assert_true(s->v.inuse_objects == 1 && s->v.inuse_space == 200);
	assert_true(lifetimes_total(s) == 0); /* a lost free has no lifetime to tell */
	assert_int_equal(stats_of(f->c).lost_frees, 2);
	assert_int_equal(stats_of(f->c).untracked, 1);

	/* the retired samples are gone for good: nothing twice */
	assert_int_equal(collector__reconcile_live(f->c, kernel_holds, &k), 0);
	send_free(f->c, getpid(), 0x1000, 120);
	assert_int_equal(stats_of(f->c).unknown_frees, 1);
	assert_true(s->v.inuse_objects == 1);
	/* an address sampled again while still live: its free was lost in between */
	send_alloc(f->c, getpid(), 0x2000, 5, 130, pc);
	assert_int_equal(stats_of(f->c).lost_frees, 3);
	assert_true(s->v.inuse_objects == 1 && s->v.inuse_space == 5);
}

/* Two call pcs of one source line are one site; two lines are two. */
static void test_collect_same_line_pcs_merge(void **state)
{
	struct fixture *f = *state;
	uint64_t first, second;
	const struct stack *s;

	ra_cnt = 0;
	one_line_two_calls();
	first = ras[0];
	second = ras[1];
	assert_true(first != second);
	send_alloc(f->c, getpid(), 0x1000, 1, 1, first);
	send_alloc(f->c, getpid(), 0x2000, 2, 1, second);
	send_alloc(f->c, getpid(), 0x3000, 4, 1, pc_in(site_a));
	send_alloc(f->c, getpid(), 0x4000, 8, 1, pc_in(site_b));
	assert_int_equal(collector__snapshot(f->c, 2), 0);

	assert_int_equal(profile__stack_cnt(f->profile), 3);
	s = stack_in(f->profile, "one_line_two_calls");
	assert_true(s->v.alloc_objects == 2 && s->v.alloc_space == 3);
	assert_true(stack_in(f->profile, "site_a")->v.alloc_space == 4);
	assert_true(stack_in(f->profile, "site_b")->v.alloc_space == 8);
	/* each pc was symbolized once; the two raw stacks found one location */
	assert_int_equal(stats_of(f->c).unique_pcs, 4); /* the root, in no file, needs no symbols */
	assert_int_equal(stats_of(f->c).unique_stacks, 4);
}

/* An exec retires the old image's blocks (freed, with their lifetimes); others stay. */
static void test_collect_exec_forgets_old_image(void **state)
{
	struct fixture *f = *state;
	uint64_t pc = pc_in(site_a);
	const struct stack *s;

	send_alloc(f->c, getpid(), 0x1000, 10, 100, pc);
	send_alloc(f->c, getpid(), 0x2000, 20, 900, pc);
	send_alloc(f->c, NO_SUCH_PID, 0x1000, 40, 300, 0x5000);
	send_exec(f->c, getpid(), 4242, 1100);
	assert_int_equal(f->exec_cnt, 1);
	assert_int_equal(f->exec_pid, getpid());
	assert_int_equal(f->exec_old_tid, 4242);
	assert_int_equal(collector__snapshot(f->c, 2000), 0);

	s = stack_in(f->profile, "site_a");
	assert_true(s->v.alloc_objects == 2 && s->v.inuse_objects == 0 && s->v.inuse_space == 0);
	assert_true(s->lifetimes[lifetime_bucket(1000)] == 1);
	assert_true(s->lifetimes[lifetime_bucket(200)] == 1);
	assert_true(lifetimes_total(s) == 2);
	/* the other process's block is untouched, its stack all [unknown] */
	s = stack_in(f->profile, "[unknown]");
	assert_true(s->v.inuse_objects == 1 && s->v.inuse_space == 40);
	/* the old image's free cannot come; if one did, it is not a sample of the new image */
	send_free(f->c, getpid(), 0x1000, 2100);
	assert_int_equal(stats_of(f->c).unknown_frees, 1);
	assert_int_equal(stats_of(f->c).lost_frees, 0);
}

/* Processes kept apart (split_pids): one stack per process for the same pcs. */
static void test_collect_split_pids_keeps_processes_apart(void **state)
{
	struct collector_opts opts = { .split_pids = true };
	struct profile *p = profile__new(1);
	struct collector *c = collector__new(&opts, p);

	(void)state;
	assert_non_null(c);
	send_alloc(c, NO_SUCH_PID, 0x1000, 1, 1, 0x5000);
	send_alloc(c, NO_SUCH_PID + 1, 0x1000, 2, 1, 0x5000);
	send_alloc(c, NO_SUCH_PID + 1, 0x2000, 4, 1, 0x5000);
	assert_int_equal(collector__snapshot(c, 2), 0);
	assert_int_equal(profile__stack_cnt(p), 2);
	for (size_t i = 0; i < 2; i++) {
		const struct stack *s = profile__stack(p, i);

		assert_true(s->pid == NO_SUCH_PID ? s->v.inuse_space == 1 : s->v.inuse_space == 6);
	}
	collector__free(c);
	profile__free(p);
}

/* A record shorter than its header says is counted, never read past its end. */
static void test_collect_malformed_records_counted(void **state)
{
	struct fixture *f = *state;
	struct alloc_event ev = { .a.hdr = { EV_ALLOC, getpid(), 1 }, .stack_cnt = 3 };
	struct event_header odd = { 99, getpid(), 1 };

	send(f->c, &ev, ALLOC_EVENT_HEADER_SZ + 2 * sizeof(ev.stack[0]));
	ev.stack_cnt = MAX_STACK_DEPTH + 1;
	send(f->c, &ev, sizeof(ev));
	send(f->c, &ev, 4);
	send(f->c, &odd, sizeof(odd));
	ev.a.hdr.type = EV_FREE;
	send(f->c, &ev, sizeof(struct free_event) - 1);
	ev.a.hdr.type = EV_EXEC;
	send(f->c, &ev, sizeof(struct task_event) - 1);
	assert_int_equal(stats_of(f->c).bad_events, 6);
	assert_int_equal(stats_of(f->c).alloc_events, 0);
	assert_int_equal(f->exec_cnt, 0);
	assert_int_equal(collector__snapshot(f->c, 2), 0);
	assert_int_equal(profile__stack_cnt(f->profile), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_collect_pending_log_replays_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_collect_overflow_entry_past_the_stack_cap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_collect_reconcile_live_retires_lost_frees, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_collect_same_line_pcs_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collect_exec_forgets_old_image, setup, teardown),
		cmocka_unit_test(test_collect_split_pids_keeps_processes_apart),
		cmocka_unit_test_setup_teardown(test_collect_malformed_records_counted, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("collect", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "log.h"
#include "loop.h"

/* The longest a sample waits in the ring buffer when no batch has filled to wake us. */
#define DRAIN_MS 100

/* epoll data: small numbers for the fixed sources, target index + TARGET_BASE for pidfds */
enum { SRC_RINGBUF, SRC_SIGNAL, SRC_EXTRA, SRC_TARGET_BASE };

int loop_take_signals(bool with_sigchld)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (with_sigchld)
		sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}


static int watch(int epfd, int fd, uint64_t src)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = src };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* The batch is over: libbpf stops consuming on a negative return (the record is consumed). */
#define BATCH_OVER (-EAGAIN)

int loop_batch_sample(void *ctx, void *data, size_t size)
{
	struct loop_batch *b = ctx;
	int err = b->cb(b->ctx, data, size);

	if (err < 0 || !b->bounded)
		return err;
	return --b->left && mono_ns() < b->until_ns ? 0 : BATCH_OVER;
}

/* One batch of records; more may be left, epoll says so again. */
static void consume_batch(struct ring_buffer *rb, struct loop_batch *b)
{
	b->bounded = true;
	b->left = LOOP_BATCH_MAX;
	b->until_ns = mono_ns() + LOOP_BATCH_NS;
	ring_buffer__consume(rb);
	b->bounded = false;
}

/* Hands every pending signal to the hook; true when one ends the run. */
static bool take_signals(int sigfd, const struct loop_hooks *hooks)
{
	struct signalfd_siginfo si;
	bool end = false;

	while (read(sigfd, &si, sizeof(si)) == sizeof(si))
		end |= hooks->on_signal(hooks->ctx, &si);
	return end;
}

int loop_run(struct ring_buffer *rb, struct loop_batch *batch, int sigfd, struct targets *targets,
	     double duration_s, const struct loop_hooks *hooks, enum loop_end *end)
{
	double deadline = duration_s > 0 ? mono_ns() / 1e9 + duration_s : 0;
	double next_tick = hooks->tick_s > 0 ? mono_ns() / 1e9 + hooks->tick_s : 0;
	int epfd, err = 0;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	err = watch(epfd, ring_buffer__epoll_fd(rb), SRC_RINGBUF);
	if (!err)
		err = watch(epfd, sigfd, SRC_SIGNAL);
	if (!err && hooks->on_extra)
		err = watch(epfd, hooks->extra_fd, SRC_EXTRA);
	for (size_t i = 0; !err && i < targets->cnt; i++)
		if (targets->list[i].pidfd >= 0)
			err = watch(epfd, targets->list[i].pidfd, SRC_TARGET_BASE + i);
	if (err) {
		pr_warn("cannot wait for events: %s\n", strerror(-err));
		goto out;
	}

	for (;;) {
		struct epoll_event evs[16];
		double now = mono_ns() / 1e9, wake = deadline;
		int timeout = DRAIN_MS, n;

		if (deadline && now >= deadline) {
			*end = LOOP_END_DURATION;
			break;
		}
		if (hooks->poll) {
			int ms = hooks->poll(hooks->ctx);

			if (ms >= 0 && ms < timeout)
				timeout = ms;
		}
		if (next_tick && now >= next_tick) {
			hooks->on_tick(hooks->ctx);
			/* a slow tick skips the ticks it overran rather than bunching them */
			while (next_tick <= mono_ns() / 1e9)
				next_tick += hooks->tick_s;
		}
		if (next_tick && (!wake || next_tick < wake))
			wake = next_tick;
		/* compared as a double: a far deadline (-d 1e9) must not overflow an int */
		if (wake && (wake - now) * 1000 + 1 < timeout)
			timeout = (int)((wake - now) * 1000) + 1;
		if (hooks->on_extra) {
			int extra_ms = hooks->extra_timeout_ms(hooks->ctx);

			if (extra_ms >= 0 && extra_ms < timeout)
				timeout = extra_ms;
		}
		n = epoll_wait(epfd, evs, 16, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			pr_warn("epoll_wait: %s\n", strerror(-err));
			break;
		}
		/* the kernel wakes us only for batches: what is left is read on the timer */
		if (!n)
			consume_batch(rb, batch);
		/* a request answered from data up to now; a due deadline kept too */
		if (hooks->on_extra)
			hooks->on_extra(hooks->ctx);
		for (int i = 0; i < n; i++) {
			uint64_t src = evs[i].data.u64;

			if (src == SRC_RINGBUF) {
				consume_batch(rb, batch);
			} else if (src == SRC_EXTRA) {
				continue; /* served once per pass, above */
			} else if (src == SRC_SIGNAL) {
				if (take_signals(sigfd, hooks)) {
					*end = LOOP_END_SIGNAL;
					goto out;
				}
			} else {
				struct target *t = &targets->list[src - SRC_TARGET_BASE];

				epoll_ctl(epfd, EPOLL_CTL_DEL, t->pidfd, NULL);
				targets__exited(targets, t->pid, mono_ns());
				pr_info("PID %d exited\n", (int)t->pid);
			}
		}
		if (hooks->after_batch)
			hooks->after_batch(hooks->ctx);
		if (hooks->targets_gone ? hooks->targets_gone(hooks->ctx) : !targets__alive_cnt(targets)) {
			*end = LOOP_END_TARGETS_EXITED;
			break;
		}
	}
out:
	close(epfd);
	return err;
}

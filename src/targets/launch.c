// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "launch.h"
#include "log.h"
#include "targetfile.h"

#define MAX_TRACED 256
#define MAX_SCRIPT_DEPTH 4	/* "#!" scripts interpreted by scripts, as the kernel allows */
#define SCRIPT_LINE_MAX 256
#define LOADER_MAX_OUTPUT (1 << 20)
#define LOADER_TIMEOUT_NS (5ULL * 1000000000) /* ld.so --list takes milliseconds */

/* A process traced besides the launched one: a followed child, or one to let go. */
struct traced {
	pid_t pid;
	bool follow;	     /* probed; false: to be detached at its first stop */
	bool fork_seen;	     /* its parent's fork event has been handled */
	bool stopped_early;  /* it stopped before its parent's fork event arrived */
	uint64_t bp_addr, bp_word; /* an entry breakpoint inherited from its parent, or 0 */
	struct alloc_objects probed; /* what its probes cover: never probed twice */
};

/* A breakpoint at a new program's entry point, and the word it replaced. */
struct entry_stop {
	pid_t pid;
	uint64_t addr, word;
};

struct launch {
	pid_t pid;
	int go_fd;	     /* write end of the pipe the child waits on before exec */
	bool follow_forks;
	struct creds run_as; /* of the launched command */
	bool exited;
	bool exec_seen;	     /* the launched program's own exec: its objects are probed */
	bool died_held;	     /* it reached its exit before its exec: killed while held */
	int status;
	unsigned unfollowed;
	struct launch_hooks hooks;
	struct alloc_objects objs;
	struct traced traced[MAX_TRACED];
	size_t traced_cnt;
	struct entry_stop entries[MAX_TRACED];
	size_t entry_cnt;
};

int exit_status_of(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return 1;
}

/* execvp's search: a name without '/' is looked up in PATH. */
static char *find_command(const char *cmd)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) ? NULL : strdup(cmd);
	for (const char *p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p;) {
		size_t len = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, len ? p : ".", cmd);
		if (!access(buf, X_OK))
			return strdup(buf);
		p += len + (p[len] == ':');
	}
	errno = ENOENT;
	return NULL;
}

/* The dynamic loader a program names in PT_INTERP, or NULL (a static executable). */
static char *interpreter_of(const char *path)
{
	char *interp = NULL;
	size_t phnum;
	int fd = target_file_open(path, false, 0, 0);
	Elf *elf;

	if (fd < 0)
		return NULL;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && !elf_getphdrnum(elf, &phnum)) {
		for (size_t i = 0; i < phnum && !interp; i++) {
			GElf_Phdr ph;
			size_t sz;
			char *img = elf_rawfile(elf, &sz);

			if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_INTERP && img &&
			    ph.p_offset + ph.p_filesz <= sz && ph.p_filesz)
				interp = strndup(img + ph.p_offset, ph.p_filesz);
		}
	}
	elf_end(elf);
	close(fd);
	return interp;
}

/*
 * Adds a file the program will map, named by the path it will have in /proc/PID/maps: the
 * loader names libraries through their symlinks (libstdc++.so.6), and the program's own
 * files are read without following a final symlink.
 */
static int add_file(struct alloc_objects *objs, const char *path)
{
	char *real = realpath(path, NULL);
	int err;

	if (!real)
		return 0; /* gone: nothing to probe */
	err = alloc_objects__add_file(objs, real, real);
	free(real);
	return err;
}

/* The loader's answer, read with a bound on its size and on how long it may take. */
static char *read_bounded(int fd, pid_t pid)
{
	uint64_t deadline = mono_ns() + LOADER_TIMEOUT_NS;
	char *out = malloc(LOADER_MAX_OUTPUT + 1);
	size_t len = 0;

	if (!out)
		return NULL;
	for (;;) {
		uint64_t now = mono_ns();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (now >= deadline || poll(&pfd, 1, (deadline - now) / 1000000 + 1) <= 0) {
			pr_warn("the dynamic loader listing the libraries took too long: killed\n");
			kill(pid, SIGKILL);
			break;
		}
		n = read(fd, out + len, LOADER_MAX_OUTPUT - len);
		if (n <= 0 || (len += n) == LOADER_MAX_OUTPUT)
			break;
	}
	out[len] = '\0';
	return out;
}

/*
 * The loader runs with the ids of the process that will run it, never more: no capabilities,
 * no new privileges (a setuid file it executes stays unprivileged).
 */
static void exec_loader(const char *interp, const char *program, const struct creds *as,
			int out_fd)
{
	int devnull = open("/dev/null", O_WRONLY);

	dup2(out_fd, STDOUT_FILENO);
	dup2(devnull, STDERR_FILENO);
	if (creds__apply(as) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		_exit(127);
	execl(interp, interp, "--list", program, (char *)NULL);
	_exit(127);
}

/*
 * Asks the program's own dynamic loader which objects it will map, as ldd does (`LOADER
 * --list PROGRAM`, with our environment: LD_LIBRARY_PATH and LD_PRELOAD count), and adds
 * each that defines allocator entry points. The loader is a program the target chose (its
 * PT_INTERP): it runs as the target would run it, with the target's ids (see exec_loader).
 * That is what the target itself runs at its exec, so it gains nothing, and the answer is
 * the loader's own (hwcaps subdirectories, its cache, its defaults), not a reimplementation.
 */
static int add_loaded_objects(const char *interp, const char *program, const struct creds *as,
			      struct alloc_objects *objs)
{
	char *out, *line, *save = NULL;
	int pipefd[2], err = 0;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (pid == 0)
		exec_loader(interp, program, as, pipefd[1]);
	close(pipefd[1]);
	out = read_bounded(pipefd[0], pid);
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	/* "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "\t/lib64/ld-linux... (0x...)" */
	for (line = out ? strtok_r(out, "\n", &save) : NULL; line && !err;
	     line = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(line, "=> "), *path = arrow ? arrow + 3 : line + strspn(line, " \t");

		path[strcspn(path, " ")] = '\0';
		if (path[0] == '/')
			err = add_file(objs, path);
	}
	free(out);
	return err;
}

/*
 * The interpreter a "#!" script names, or NULL (not a script). Read without blocking (a FIFO
 * named as the command never hangs memsnoop) and only from a regular file.
 */
static char *script_interpreter(const char *path)
{
	char buf[SCRIPT_LINE_MAX + 1], *interp = NULL;
	int fd = target_file_open(path, false, 0, 0);
	ssize_t n;

	if (fd < 0)
		return NULL;
	if ((n = read(fd, buf, SCRIPT_LINE_MAX)) > 2 && buf[0] == '#' && buf[1] == '!') {
		char *s;

		buf[n] = '\0';
		s = buf + 2 + strspn(buf + 2, " \t");
		s[strcspn(s, " \t\n")] = '\0';
		if (*s)
			interp = strdup(s);
	}
	close(fd);
	return interp;
}

/*
 * What the program at path will map once exec'd: itself, and what its loader loads; a
 * script, what its interpreter maps (followed as the kernel does, a few levels deep).
 */
static int resolve_objects(const char *path, const struct creds *as, struct alloc_objects *objs)
{
	char *script_interp = NULL, *interp = NULL;
	int err = 0, depth;

	for (depth = 0; depth < MAX_SCRIPT_DEPTH; depth++) {
		char *next = script_interpreter(script_interp ?: path);

		if (!next)
			break;
		free(script_interp);
		script_interp = next;
	}
	if (depth == MAX_SCRIPT_DEPTH)
		err = -ELOOP;
	if (script_interp)
		path = script_interp;
	if (!err)
		err = add_file(objs, path);
	if (!err && (interp = interpreter_of(path)))
		err = add_loaded_objects(interp, path, as, objs);
	free(interp);
	free(script_interp);
	return err;
}

struct launch *launch__start(char **argv, bool follow_forks, const struct creds *run_as,
			     const struct launch_hooks *hooks)
{
	struct launch *l = calloc(1, sizeof(*l));
	char *path = find_command(argv[0]);
	int go[2] = { -1, -1 }, err = 0;
	sigset_t none;

	if (!l || !path) {
		err = -errno;
		if (!path)
			pr_warn("%s: %s\n", argv[0], err == -ENOENT ? "command not found" : strerror(-err));
		goto fail;
	}
	l->hooks = *hooks;
	l->follow_forks = follow_forks;
	l->go_fd = -1;
	err = run_as ? (l->run_as = *run_as, 0) : creds__self(&l->run_as);
	if (!err)
		err = resolve_objects(path, &l->run_as, &l->objs);
	if (!err && !l->objs.cnt) {
		pr_warn("%s: no allocator found (none of malloc, free, ... in the program or the libraries it loads)\n",
			argv[0]);
		err = -ENOENT;
	}
	if (err || pipe2(go, O_CLOEXEC)) {
		err = err ?: -errno;
		goto fail;
	}
	l->pid = fork();
	if (l->pid < 0) {
		err = -errno;
		goto fail;
	}
	if (l->pid == 0) {
		char c;

		/* memsnoop blocks the signals it takes; the program must not inherit that */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL); /* memsnoop's own SIG_IGN would outlive the exec */
		close(go[1]);
		if (run_as && (err = creds__apply(run_as))) {
			fprintf(stderr, "memsnoop: cannot run %s as user %u: %s\n", path,
				(unsigned)run_as->uid, strerror(-err));
			_exit(127);
		}
		if (read(go[0], &c, 1) != 1)
			_exit(127); /* memsnoop gave up before attaching */
		execv(path, argv);
		fprintf(stderr, "memsnoop: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(go[0]);
	l->go_fd = go[1];
	if (ptrace(PTRACE_SEIZE, l->pid, 0,
		   PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK)) {
		err = -errno;
		pr_warn("cannot trace %s: %s\n", argv[0], strerror(-err));
		goto fail;
	}
	free(path);
	return l;
fail:
	if (go[0] >= 0 && (!l || l->pid <= 0))
		close(go[0]);
	free(path);
	launch__free(l);
	errno = -err;
	return NULL;
}

void launch__free(struct launch *l)
{
	if (!l)
		return;
	if (l->go_fd >= 0) {
		/* never released: it exits at once when the pipe closes */
		close(l->go_fd);
		if (l->pid > 0)
			waitpid(l->pid, NULL, __WALL);
	}
	alloc_objects__clear(&l->objs);
	for (size_t i = 0; i < l->traced_cnt; i++)
		alloc_objects__clear(&l->traced[i].probed);
	free(l);
}

pid_t launch__pid(const struct launch *l)
{
	return l->pid;
}

const struct alloc_objects *launch__objects(const struct launch *l)
{
	return &l->objs;
}

int launch__release(struct launch *l)
{
	int err = write(l->go_fd, "g", 1) == 1 ? 0 : -errno;

	close(l->go_fd);
	l->go_fd = -1;
	/*
	 * A stop or exit from before memsnoop took SIGCHLD (the child killed while held, in its
	 * exit stop with the pipe still open) sent no signal the loop will see: handle it now.
	 */
	launch__on_sigchld(l);
	if (err == -EPIPE || l->died_held)
		pr_warn("the command ended before it was started (killed while memsnoop attached)\n");
	else if (err)
		pr_warn("cannot start the command: %s\n", strerror(-err));
	return err == -EPIPE ? 0 : err; /* its exit ends the run as any exit does */
}

static struct traced *traced_of(struct launch *l, pid_t pid, bool create)
{
	for (size_t i = 0; i < l->traced_cnt; i++)
		if (l->traced[i].pid == pid)
			return &l->traced[i];
	if (!create || l->traced_cnt == MAX_TRACED)
		return NULL;
	l->traced[l->traced_cnt] = (struct traced){ .pid = pid };
	return &l->traced[l->traced_cnt++];
}

static void forget(struct launch *l, struct traced *t)
{
	alloc_objects__clear(&t->probed);
	*t = l->traced[--l->traced_cnt];
}

/* Probes for pid what objs has and *probed has not yet; adds it to *probed. */
static void probe_new_objects(struct launch *l, pid_t pid, const struct alloc_objects *objs,
			      struct alloc_objects *probed)
{
	struct alloc_objects fresh = { 0 };

	for (size_t i = 0; i < objs->cnt; i++) {
		bool known = false;

		for (size_t j = 0; j < probed->cnt && !known; j++)
			known = !strcmp(probed->objs[j].open_path, objs->objs[i].open_path);
		if (!known && (alloc_objects__add_file(&fresh, objs->objs[i].path, objs->objs[i].open_path) ||
			       alloc_objects__add_file(probed, objs->objs[i].path, objs->objs[i].open_path)))
			break;
	}
	if (fresh.cnt)
		l->hooks.probe(l->hooks.ctx, pid, &fresh);
	alloc_objects__clear(&fresh);
}

/*
 * A fork before the parent reached its entry breakpoint (a constructor the loader runs, an
 * LD_PRELOAD's) copies the int3 into the child, which would die of SIGTRAP at its _start:
 * the child gets the original word back while it is stopped, before it runs or is let go.
 */
static void inherit_breakpoint(struct launch *l, pid_t parent, struct traced *t)
{
	for (size_t i = 0; i < l->entry_cnt; i++) {
		if (l->entries[i].pid == parent) {
			t->bp_addr = l->entries[i].addr;
			t->bp_word = l->entries[i].word;
		}
	}
}

static void clear_inherited_breakpoint(struct traced *t)
{
	if (t->bp_addr && ptrace(PTRACE_POKETEXT, t->pid, t->bp_addr, t->bp_word))
		pr_warn("PID %d: cannot remove the entry breakpoint it inherited: %s\n", (int)t->pid,
			strerror(errno));
	t->bp_addr = 0;
}

/* A traced process forked: probe the child (its memory is the parent's: so are its
 * allocators), or let it go (it is counted). A vfork's child shares the parent's memory,
 * breakpoint included, and is left as it is. */
static void on_fork(struct launch *l, pid_t parent, pid_t child, bool vfork,
		    const struct alloc_objects *parent_objs)
{
	struct traced *t = traced_of(l, child, true);

	if (!t) {
		l->unfollowed++;
		return;
	}
	t->fork_seen = true;
	t->follow = l->follow_forks;
	if (!vfork)
		inherit_breakpoint(l, parent, t);
	if (t->follow)
		probe_new_objects(l, child, parent_objs, &t->probed);
	else
		l->unfollowed++;
	if (t->stopped_early) {
		clear_inherited_breakpoint(t);
		if (t->follow)
			ptrace(PTRACE_CONT, child, 0, 0);
		else
			ptrace(PTRACE_DETACH, child, 0, 0);
		if (!t->follow)
			forget(l, t);
	}
}

/* A traced process exec'd a new program: probe what it will map that is not probed yet. */
static void on_new_program(struct launch *l, pid_t pid, struct alloc_objects *probed)
{
	struct alloc_objects objs = { 0 };
	struct creds as;
	char exe[64];

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	/* the new image's ids: after a setuid-root exec only, root */
	if (!creds__of_process(pid, &as) && !resolve_objects(exe, &as, &objs))
		probe_new_objects(l, pid, &objs, probed);
	alloc_objects__clear(&objs);
}

/* The entry point of pid's program, from its auxiliary vector; 0 when unknown. */
static uint64_t entry_of(pid_t pid)
{
	char path[64];
	uint64_t av[2], entry = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!entry && fread(av, sizeof(av), 1, f) == 1 && av[0] != AT_NULL)
		if (av[0] == AT_ENTRY)
			entry = av[1];
	fclose(f);
	return entry;
}

/* Sets an int3 at the entry point of the program pid just exec'd (x86-64). */
static void stop_at_entry(struct launch *l, pid_t pid)
{
	struct entry_stop *e = &l->entries[l->entry_cnt];
	long word;

	if (!l->hooks.entry || l->entry_cnt == MAX_TRACED || !(e->addr = entry_of(pid)))
		return;
	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, e->addr, 0);
	if (errno)
		return;
	e->word = word;
	e->pid = pid;
	if (!ptrace(PTRACE_POKETEXT, pid, e->addr, (word & ~0xffL) | 0xcc))
		l->entry_cnt++;
}

/* A SIGTRAP at pid's entry breakpoint: the word back, the pc back on it, the hook. */
static bool reached_entry(struct launch *l, pid_t pid, int sig)
{
	struct user_regs_struct regs;

	for (size_t i = 0; sig == SIGTRAP && i < l->entry_cnt; i++) {
		struct entry_stop *e = &l->entries[i];

		if (e->pid != pid || ptrace(PTRACE_GETREGS, pid, 0, &regs) || regs.rip != e->addr + 1)
			continue;
		regs.rip = e->addr;
		ptrace(PTRACE_POKETEXT, pid, e->addr, e->word);
		ptrace(PTRACE_SETREGS, pid, 0, &regs);
		*e = l->entries[--l->entry_cnt];
		l->hooks.entry(l->hooks.ctx, pid);
		return true;
	}
	return false;
}

static void on_stop(struct launch *l, pid_t pid, int status)
{
	int event = status >> 16, sig = WSTOPSIG(status);
	struct traced *t = pid == l->pid ? NULL : traced_of(l, pid, true);
	unsigned long msg = 0;

	if (t && !t->fork_seen) {
		/* a child's first stop, before its parent's fork event: wait for that */
		t->stopped_early = true;
		return;
	}
	if (t)
		clear_inherited_breakpoint(t);
	if (t && !t->follow) {
		ptrace(PTRACE_DETACH, pid, 0, 0);
		forget(l, t);
		return;
	}
	switch (event) {
	case PTRACE_EVENT_EXEC:
		l->hooks.exec(l->hooks.ctx, pid);
		stop_at_entry(l, pid);
		if (t)
			on_new_program(l, pid, &t->probed);
		else if (l->exec_seen)
			on_new_program(l, pid, &l->objs); /* the program exec'd another one */
		l->exec_seen = true;
		break;
	case PTRACE_EVENT_EXIT:
		l->died_held |= pid == l->pid && !l->exec_seen;
		l->hooks.exit_stop(l->hooks.ctx, pid);
		break;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		if (!ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg))
			on_fork(l, pid, msg, event == PTRACE_EVENT_VFORK, t ? &t->probed : &l->objs);
		break;
	case PTRACE_EVENT_STOP:
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
			/* a group stop: stay stopped as the program asked, until SIGCONT */
			ptrace(PTRACE_LISTEN, pid, 0, 0);
			return;
		}
		break;
	default:
		if (!event && reached_entry(l, pid, sig))
			break;
		/* a signal on its way to the program: deliver it */
		ptrace(PTRACE_CONT, pid, 0, event ? 0 : sig);
		return;
	}
	ptrace(PTRACE_CONT, pid, 0, 0);
}

void launch__on_sigchld(struct launch *l)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
		if (WIFSTOPPED(status)) {
			on_stop(l, pid, status);
		} else if (pid == l->pid) {
			l->died_held |= !l->exec_seen;
			l->exited = true;
			l->status = status;
		} else {
			struct traced *t = traced_of(l, pid, false);

			if (t)
				forget(l, t);
		}
	}
}

void launch__signal(struct launch *l, int sig)
{
	if (!l->exited)
		kill(l->pid, sig);
}

int launch__wait(struct launch *l)
{
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	/* stops keep coming until the exit: handle them as they come */
	while (!l->exited) {
		int sig;

		launch__on_sigchld(l);
		if (l->exited)
			break;
		sigwait(&chld, &sig);
	}
	return l->status;
}

bool launch__exited(const struct launch *l)
{
	return l->exited;
}

unsigned launch__unfollowed_children(const struct launch *l)
{
	return l->unfollowed;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A static program with no C library and so no allocator: memsnoop must refuse it. Prints
 * "pid N" like every target and waits for stdin to close. Built -nostdlib -static.
 */
static long sys(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

void _start(void)
{
	char buf[32], *p = buf + sizeof(buf);
	long pid = sys(39 /* getpid */, 0, 0, 0);
	char c;

	*--p = '\n';
	do
		*--p = '0' + pid % 10;
	while (pid /= 10);
	p -= 4;
	p[0] = 'p', p[1] = 'i', p[2] = 'd', p[3] = ' ';
	sys(1 /* write */, 1, (long)p, buf + sizeof(buf) - p);
	while (sys(0 /* read */, 0, (long)&c, 1) > 0)
		;
	sys(60 /* exit */, 0, 0, 0);
}

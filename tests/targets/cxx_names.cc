// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
// C++ names: a member function calling malloc must come out demangled; a new[] must not
// leave operator new (an allocator frame) at the leaf.
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace shop {
struct Basket {
	char items[256];

	__attribute__((noinline)) static Basket *create(int n)
	{
		Basket *b = static_cast<Basket *>(std::malloc(n * sizeof(Basket)));
		asm volatile("" ::: "memory");
		return b;
	}
};

__attribute__((noinline)) Basket *make_baskets(int n)
{
	Basket *b = new Basket[n];
	asm volatile("" ::: "memory");
	return b;
}
} // namespace shop

static shop::Basket *volatile sink;

int main()
{
	char c;

	std::printf("pid %d\n", (int)getpid());
	std::fflush(stdout);
	if (read(0, &c, 1) != 1)
		return 100;
	for (int i = 0; i < 10; i++)
		sink = shop::Basket::create(3);
	for (int i = 0; i < 20; i++)
		sink = shop::make_baskets(2);
	std::printf("create_bytes %zu\n", 10 * 3 * sizeof(shop::Basket));
	std::printf("new_bytes %zu\n", 20 * 2 * sizeof(shop::Basket));
	return 0;
}

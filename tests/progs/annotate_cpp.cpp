// SPDX-License-Identifier: MIT
/*
 * keke.h from C++: a scope span with an argument inside a function, and a
 * counter, compiled as C++.
 */
#include <cstdio>
#include <string>

#include "keke.h"

static int compute(int n)
{
	KEKE_SPAN("compute");
	keke_arg_int("n", n);
	int sum = 0;
	for (int i = 0; i < n; i++)
		sum += i;
	return sum;
}

int main()
{
	std::string label = "c++ span";
	keke_begin(label.c_str(), "user");
	int r = compute(100);
	keke_counter("result", r);
	keke_end();
	std::printf("%d\n", r);
	return 0;
}

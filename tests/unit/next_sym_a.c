// SPDX-License-Identifier: MIT
/* A library for test_next_symbol: next_dup, also in next_sym_b, and
 * next_ver in two versions, V1 (hidden, for old binaries) and V2 (the
 * default). Each returns which definition it is. */
int next_dup(void);
int next_ver_v1(void);
int next_ver_v2(void);

int next_dup(void)
{
	return 1;
}

int next_ver_v1(void)
{
	return 1;
}

int next_ver_v2(void)
{
	return 2;
}

__asm__(".symver next_ver_v1, next_ver@V1");
__asm__(".symver next_ver_v2, next_ver@@V2");

// SPDX-License-Identifier: MIT
/* A library for test_next_symbol, loaded after next_sym_a: its next_dup
 * is the second definition of the name. */
int next_dup(void);
int next_b_only(void);

int next_dup(void)
{
	return 2;
}

int next_b_only(void)
{
	return 3;
}

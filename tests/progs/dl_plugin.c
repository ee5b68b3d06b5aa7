// SPDX-License-Identifier: MIT
/* A shared object that dl_calls opens by its bare name, found only through
 * dl_calls's RUNPATH ($ORIGIN). */
int keke_plugin_answer(void);

int keke_plugin_answer(void)
{
	return 42;
}

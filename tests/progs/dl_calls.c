// SPDX-License-Identifier: MIT
/*
 * dl_calls: dlopen and dlclose. Opens libkeke_plugin.so by its bare name,
 * which only this program's RUNPATH ($ORIGIN) finds: under keke the search
 * must still be the program's. Then a system library, and a path that does
 * not exist. Prints the calls as file_calls does, with the file each
 * handle stands for ("module"); exits 1 if the plugin did not answer.
 */
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>

/* Opens @name, prints the call; returns the handle. */
static void *open_one(const char *name, int flags)
{
	struct link_map *lm = NULL;
	void *h = dlopen(name, flags);

	printf("dlopen path=%s flags=%d", name, flags);
	if (h && dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm->l_name[0])
		printf(" module=%s", lm->l_name);
	printf(" result=%d\n", h ? 0 : -1);
	return h;
}

static void close_one(void *h)
{
	struct link_map *lm = NULL;
	char name[4096] = "";
	int rc;

	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0)
		snprintf(name, sizeof(name), "%s", lm->l_name);
	rc = dlclose(h);
	printf("dlclose path=%s result=%d\n", name, rc);
}

int main(void)
{
	int (*answer)(void);
	void *plugin, *libm;
	int ok;

	plugin = open_one("libkeke_plugin.so", RTLD_NOW);
	if (!plugin) {
		fprintf(stderr, "dl_calls: %s\n", dlerror());
		return 1;
	}
	answer = (int (*)(void))dlsym(plugin, "keke_plugin_answer");
	ok = answer && answer() == 42;
	printf("# answer_ok=%d\n", ok);
	libm = open_one("libm.so.6", RTLD_LAZY | RTLD_LOCAL);
	if (libm)
		close_one(libm);
	if (open_one("/nonexistent/libnothing.so", RTLD_NOW))
		return 1;
	close_one(plugin);
	return ok ? 0 : 1;
}

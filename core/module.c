/*
 * Loading aq's modules.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aq/plugin.h"
#include "error.h"
#include "loader.h"
#include "module.h"
#include "util.h"
#include "banned.h"

/* Where a module may be, in the order to try. */
static int module_path(const char *name, char *out, size_t len)
{
	const char *dirs[2] = { AQ_INSTALL_MODULE_DIR, AQ_BUILD_DIR "/modules" };

	if (aq_running_from_build()) {
		dirs[0] = AQ_BUILD_DIR "/modules";
		dirs[1] = AQ_INSTALL_MODULE_DIR;
	}
	for (int i = 0; i < 2; i++) {
		if (aq_path(out, len, "%s/%s%s", dirs[i], name,
			    AQ_PLUGIN_SUFFIX) < 0)
			return -1;
		if (access(out, R_OK) == 0)
			return 0;
	}
	return aq_error("aq's %s module is missing (looked for '%s' and in "
			"%s): reinstall aq", name, out, dirs[0]);
}

int aq_module_fn(const char *name, const char *sym, void **fn)
{
	char path[AQ_PATH_MAX];
	void *self = dlopen(NULL, RTLD_NOW);
	void *h, *p = self ? dlsym(self, sym) : NULL;

	if (p) {
		*fn = p;
		return 0;
	}
	if (module_path(name, path, sizeof(path)) < 0)
		return -1;
	/* Never closed: the module's code may be running until exit. */
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return aq_error("cannot load aq's %s module '%s': %s", name,
				path, dlerror());
	p = dlsym(h, sym);
	if (!p)
		return aq_error("aq's %s module '%s' lacks '%s'", name, path,
				sym);
	*fn = p;
	return 0;
}

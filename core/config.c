/*
 * aq's home directory and global config.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aq/plugin.h"
#include "config.h"
#include "error.h"
#include "inifile.h"
#include "loader.h"
#include "util.h"
#include "banned.h"

#define AQ_DEFAULT_MIRROR "https://dl-cdn.alpinelinux.org/alpine"

static const struct aq_ini_key config_schema[] = {
	{ "aq", "mirror", 0 },
	{ "aq", "accel", 0 },
	{ "aq", "boot_timeout", 0 },
	{ "aq", "stop_timeout", 0 },
	{ "defaults", "cpus", 0 },
	{ "defaults", "memory", 0 },
	{ "defaults", "disk", 0 },
	{ "plugins", "fetch", 0 },
	{ "plugins", "disk", 0 },
	{ "plugins", "net", 0 },
	{ "plugins", "console", 0 },
	{ "plugins", "exec", 0 },
	/* A plugin's own section, checked in plugin_sections(). */
	{ "*", "*", 0 },
	{ NULL, NULL, 0 }
};

static struct aq_ini config = AQ_INI_INIT;
static char config_file[AQ_PATH_MAX];
static char home[AQ_PATH_MAX];

/* $VAR if set and absolute, else $HOME/fallback. */
static int xdg_dir(const char *var, const char *fallback, const char *sub,
		   char *out, size_t len)
{
	const char *v = getenv(var);
	const char *h = getenv("HOME");

	if (v && v[0] == '/')
		return aq_path(out, len, "%s/%s", v, sub);
	if (!h || h[0] != '/')
		return aq_error("HOME is not set; set %s or AQ_HOME", var);
	return aq_path(out, len, "%s/%s/%s", h, fallback, sub);
}

const char *aq_config_path(void)
{
	const char *env = getenv("AQ_CONFIG");

	if (config_file[0])
		return config_file;
	if (env && *env)
		aq_path(config_file, sizeof(config_file), "%s", env);
	else
		xdg_dir("XDG_CONFIG_HOME", ".config", "aq/aq.ini", config_file,
			sizeof(config_file));
	return config_file;
}

static int core_section(const char *section)
{
	for (const struct aq_ini_key *k = config_schema; k->key; k++)
		if (!strcmp(k->section, section))
			return 1;
	return 0;
}

/* Whether NAME is a plugin the config selects, or a default one. */
static int plugin_named(const char *name)
{
	for (int c = 0; c < AQ_CONCERN_COUNT; c++) {
		const char *v = aq_ini_get(&config, "plugins",
					   aq_concern_name(c));
		const char *base = v ? strrchr(v, '/') : NULL;
		size_t len;

		base = base ? base + 1 : v;
		if (!base)
			base = aq_plugin_default(c);
		len = strcspn(base, ".");
		if (strlen(name) == len && !strncmp(base, name, len))
			return 1;
		if (!strcmp(name, aq_plugin_default(c)))
			return 1;
	}
	return 0;
}

/*
 * A section that is not aq's own belongs to a plugin (read by it through
 * host->config), named as in [plugins]; any other is a typo.
 */
static int plugin_sections(const char *path)
{
	for (size_t i = 0; i < config.n; i++) {
		const struct aq_ini_entry *e = &config.entries[i];

		if (core_section(e->section) || plugin_named(e->section))
			continue;
		aq_error("%s:%d: unknown section [%s] (neither aq's nor a "
			 "plugin's named in [plugins])", path, e->line,
			 e->section);
		aq_ini_release(&config);
		return -1;
	}
	return 0;
}

int aq_config_load(void)
{
	const char *path = aq_config_path();

	if (!path[0])
		return -1;
	if (!aq_exists(path))
		return 0;
	if (aq_ini_load(path, config_schema, &config) < 0)
		return -1;
	return plugin_sections(path);
}

const char *aq_config_get(const char *section, const char *key)
{
	return aq_ini_get(&config, section, key);
}

const char *aq_home(void)
{
	const char *env = getenv("AQ_HOME");
	char *end;

	if (home[0])
		return home;
	if (env && *env) {
		if (aq_path(home, sizeof(home), "%s", env) < 0)
			home[0] = '\0';
	} else if (xdg_dir("XDG_DATA_HOME", ".local/share", "aq", home,
			   sizeof(home)) < 0) {
		home[0] = '\0';
	}
	end = home + strlen(home);
	while (end > home + 1 && end[-1] == '/')
		*--end = '\0';
	return home;
}

int aq_home_dir(const char *sub, char *out, size_t len)
{
	const char *h = aq_home();

	if (!h[0])
		return -1;
	if (aq_path(out, len, "%s%s%s", h, sub ? "/" : "", sub ? sub : "") < 0)
		return -1;
	if (aq_mkdir_p(out, 0700) < 0)
		return -1;
	return 0;
}

const char *aq_mirror(void)
{
	const char *m = getenv("AQ_MIRROR");

	if (m && *m)
		return m;
	m = aq_config_get("aq", "mirror");
	return m && *m ? m : AQ_DEFAULT_MIRROR;
}

void aq_config_release(void)
{
	aq_ini_release(&config);
}

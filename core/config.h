/*
 * Where aq keeps things, and the global config file.
 *
 *   $AQ_HOME      default $XDG_DATA_HOME/aq, else ~/.local/share/aq
 *     vms/NAME/   one directory per VM (see AQ_VM_* in aq/plugin.h)
 *     images/     verified base images, read-only
 *     keys/       aq's SSH key
 *     plugins/    the user's own plugins
 *   $AQ_CONFIG    default $XDG_CONFIG_HOME/aq/aq.ini, else
 *                 ~/.config/aq/aq.ini; a missing file is an empty config
 */
#ifndef AQ_CONFIG_H
#define AQ_CONFIG_H

/* Read $AQ_CONFIG once.  Unknown keys and bad values are errors. */
int aq_config_load(void);

/* A config value or NULL.  Borrowed. */
const char *aq_config_get(const char *section, const char *key);

/* The config file's path (borrowed). */
const char *aq_config_path(void);

/* $AQ_HOME, absolute, without trailing slash.  Borrowed. */
const char *aq_home(void);

/* Create $AQ_HOME and SUB below it (mode 0700) and return its path. */
int aq_home_dir(const char *sub, char *out, size_t len);

/* The Alpine mirror: $AQ_MIRROR, then [aq] mirror, then the default. */
const char *aq_mirror(void);

void aq_config_release(void);

#endif

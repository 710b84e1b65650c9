/*
 * aq plugins: which plugin serves each concern, from which file.
 */
#include <stdio.h>

#include "cmd.h"
#include "error.h"
#include "loader.h"
#include "banned.h"

int cmd_plugins(int argc, char **argv)
{
	int ret = AQ_EXIT_OK;

	(void)argv;
	if (argc != 1)
		return cmd_usage("plugins", AQ_EXIT_USAGE);
	printf("%-8s %-8s %-4s %s\n", "CONCERN", "NAME", "ABI", "FILE");
	for (int c = 0; c < AQ_CONCERN_COUNT; c++) {
		const struct aq_plugin *p = aq_plugin_get(c);

		if (!p) {
			printf("%-8s %-8s %-4s %s\n", aq_concern_name(c), "-",
			       "-", "(not loaded)");
			ret = aq_error_report();
			continue;
		}
		printf("%-8s %-8s %-4u %s\n", aq_concern_name(c), p->name,
		       p->abi_version, aq_plugin_file(c));
	}
	return ret;
}

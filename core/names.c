/*
 * Random adjective-noun names.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "error.h"
#include "names.h"
#include "banned.h"

static const char *const adjectives[] = {
	"able", "amber", "bold", "brave", "brisk", "calm", "clever", "cosy",
	"crisp", "eager", "fair", "fast", "fond", "gentle", "glad", "grand",
	"happy", "hardy", "keen", "kind", "lively", "lucky", "merry", "mild",
	"neat", "noble", "plucky", "proud", "quick", "quiet", "rapid", "sharp",
	"shy", "sleek", "snug", "solid", "spry", "steady", "sunny", "swift",
	"tidy", "trusty", "vivid", "warm", "wise", "witty", "young", "zesty"
};

static const char *const nouns[] = {
	"alder", "badger", "beaver", "birch", "bison", "brook", "cedar",
	"comet", "crane", "dune", "eagle", "falcon", "fern", "finch", "fjord",
	"fox", "gecko", "glacier", "heron", "ibex", "lark", "lynx", "maple",
	"marten", "meadow", "moose", "newt", "otter", "owl", "panda", "pine",
	"puffin", "quail", "raven", "reef", "robin", "salmon", "seal",
	"sparrow", "spruce", "stoat", "summit", "tern", "tundra", "vole",
	"walrus", "willow", "wren"
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int names_random(char *out, size_t len)
{
	unsigned char r[4];
	int fd = open("/dev/urandom", O_RDONLY);
	unsigned int a, n;

	if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
		if (fd >= 0)
			close(fd);
		return aq_error_errno("cannot read /dev/urandom");
	}
	close(fd);
	a = ((unsigned int)r[0] << 8 | r[1]) % COUNT(adjectives);
	n = ((unsigned int)r[2] << 8 | r[3]) % COUNT(nouns);
	snprintf(out, len, "%s-%s", adjectives[a], nouns[n]);
	return 0;
}

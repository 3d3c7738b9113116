/* rm [-f] files...: remove files (-f: no error for missing ones). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int i = 1, force = 0, st = 0;
	if (argc > 1 && !strcmp(argv[1], "-f"))
		force = 1, i = 2;
	if (i == argc && !force) {
		fprintf(stderr, "usage: rm [-f] file...\n");
		return 2;
	}
	for (; i < argc; i++)
		if (unlink(argv[i]) && !(force && errno == ENOENT)) {
			fprintf(stderr, "rm: %s: %s\n", argv[i], strerror(errno));
			st = 1;
		}
	return st;
}

/* mkdir [-p] dirs...: make directories (-p: parents too, no error if one
 * exists). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int make(char *path, int parents)
{
	if (parents)
		for (char *s = path + 1; *s; s++)
			if (*s == '/') {
				*s = 0;
				int r = mkdir(path, 0755);
				*s = '/';
				if (r && errno != EEXIST)
					goto fail;
			}
	if (mkdir(path, 0755) == 0 || (parents && errno == EEXIST))
		return 0;
fail:
	fprintf(stderr, "mkdir: %s: %s\n", path, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	int i = 1, parents = 0, st = 0;
	if (argc > 1 && !strcmp(argv[1], "-p"))
		parents = 1, i = 2;
	if (i == argc) {
		fprintf(stderr, "usage: mkdir [-p] dir...\n");
		return 2;
	}
	for (; i < argc; i++)
		st |= make(argv[i], parents);
	return st;
}

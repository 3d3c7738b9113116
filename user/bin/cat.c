/* cat [files...]: copy the files (or stdin; "-" is stdin) to stdout.
 * Exit 1 if a file could not be read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int copy(int fd, const char *name)
{
	static char buf[4096];
	long n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (long done = 0; done < n;) {
			long w = write(1, buf + done, (size_t)(n - done));
			if (w <= 0) {
				fprintf(stderr, "cat: write: %s\n", strerror(errno));
				return 1;
			}
			done += w;
		}
	if (n < 0) {
		fprintf(stderr, "cat: %s: %s\n", name, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return copy(0, "stdin");
	int st = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-")) {
			st |= copy(0, "stdin");
			continue;
		}
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
			st = 1;
			continue;
		}
		st |= copy(fd, argv[i]);
		close(fd);
	}
	return st;
}

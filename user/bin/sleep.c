/* sleep SECONDS: sleep (fractions allowed: sleep 0.25). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	char *end;
	double s = argc == 2 ? strtod(argv[1], &end) : -1;
	if (argc != 2 || *end || s < 0) {
		fprintf(stderr, "usage: sleep SECONDS\n");
		return 2;
	}
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts))
		;
	return 0;
}

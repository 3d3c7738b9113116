/* kill [-SIGNAL] pid...: send a signal (default SIGTERM; -9 or -KILL, -TERM,
 * -0 also accepted). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	int i = 1, sig = SIGTERM, st = 0;
	if (argc > 1 && argv[1][0] == '-') {
		const char *s = argv[1] + 1;
		if (!strcmp(s, "KILL"))
			sig = SIGKILL;
		else if (!strcmp(s, "TERM"))
			sig = SIGTERM;
		else
			sig = atoi(s);
		i = 2;
	}
	if (i == argc) {
		fprintf(stderr, "usage: kill [-SIGNAL] pid...\n");
		return 2;
	}
	for (; i < argc; i++)
		if (kill(atoi(argv[i]), sig)) {
			fprintf(stderr, "kill: %s: %s\n", argv[i], strerror(errno));
			st = 1;
		}
	return st;
}

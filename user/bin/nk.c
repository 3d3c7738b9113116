/* nk COMMAND...: run one nested-kernel console command (mem, vmmu, check,
 * cpus, attack list, attack all, ...) through NKSYS_CONSOLE. The words are joined
 * with spaces; the kernel prints the output on the console. The exit status
 * is the command's (0 ok, 1 failed); an unknown command prints
 * "nk: unknown command". Without arguments: "help". */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "ulib.h"

int main(int argc, char **argv)
{
	char line[512] = "";
	size_t len = 0;
	for (int i = 1; i < argc; i++) {
		int n = snprintf(line + len, sizeof(line) - len, "%s%s", i > 1 ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof(line) - len) {
			fprintf(stderr, "nk: command too long\n");
			return 2;
		}
		len += (size_t)n;
	}
	if (argc < 2)
		snprintf(line, sizeof(line), "help");
	fflush(stdout);
	long r = nksys(NKSYS_CONSOLE, (long)line, 0, 0);
	if (r == -EINVAL) {
		fprintf(stderr, "nk: unknown command: %s (try: nk help)\n", line);
		return 2;
	}
	if (r == -ENOSYS) {
		fprintf(stderr, "nk: not running on the nested kernel (no nksys)\n");
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "nk: %s: %s\n", line, strerror((int)-r));
		return 2;
	}
	return (int)r;
}

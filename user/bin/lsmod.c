/* lsmod: list the loaded kernel modules (name, bytes, state, calls) with
 * this kernel's query_module (178), which copies out the list as text. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
	static char buf[4096];
	long n = syscall(178, buf, sizeof(buf));
	if (n < 0) {
		fprintf(stderr, "lsmod: %s\n", strerror(errno));
		return 1;
	}
	printf("Module Size State Calls\n");
	fwrite(buf, 1, (size_t)n, stdout);
	return 0;
}

/* ps: list the processes through NKSYS_PS: PID PPID UID STATE NAME. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "ulib.h"

int main(void)
{
	static struct nksys_proc p[256];
	long n = nksys(NKSYS_PS, (long)p, 256, 0);
	if (n < 0) {
		fprintf(stderr, "ps: %s\n",
			n == -ENOSYS ? "not running on the nested kernel (no nksys)"
				     : strerror((int)-n));
		return 1;
	}
	printf("%5s %5s %5s %5s %s\n", "PID", "PPID", "UID", "STATE", "NAME");
	for (long i = 0; i < n; i++)
		printf("%5d %5d %5d %5c %.*s\n", p[i].pid, p[i].ppid, p[i].uid, p[i].state,
		       (int)sizeof(p[i].name), p[i].name);
	return 0;
}

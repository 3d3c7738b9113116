/* rmmod NAME: unload a kernel module with delete_module(2) (176). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: rmmod NAME\n");
		return 2;
	}
	if (syscall(176, argv[1], 0)) {
		fprintf(stderr, "rmmod: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	return 0;
}

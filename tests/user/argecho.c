/* A helper the suite execs (tests/user/t_proc.c, t_fd.c, t_sh.c).
 *
 *   argecho ARGS...          print argc, every argv[i], every environment
 *                            string and what the aux vector held; exit argc
 *   argecho --fd-closed N    exit 0 if fd N is closed (EBADF), else 1
 *   argecho --fd-open N      exit 0 if fd N is open, else 1
 *   argecho --segv           write through a NULL pointer
 *   argecho --stdin          copy stdin to stdout; exit 0 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;
void _start(void);

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--fd-closed")) {
		struct stat st;
		return fstat(atoi(argv[2]), &st) < 0 && errno == EBADF ? 0 : 1;
	}
	if (argc == 3 && !strcmp(argv[1], "--fd-open")) {
		struct stat st;
		return fstat(atoi(argv[2]), &st) == 0 ? 0 : 1;
	}
	if (argc == 2 && !strcmp(argv[1], "--segv")) {
		volatile int *null = 0;
		__asm__("" : "+r"(null)); /* the compiler must not know it is NULL */
		*null = 1;
		return 2;
	}
	if (argc == 2 && !strcmp(argv[1], "--stdin")) {
		char buf[512];
		long n;
		while ((n = read(0, buf, sizeof(buf))) > 0)
			if (write(1, buf, (size_t)n) != n)
				return 1;
		return 0;
	}
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	if (argv[argc] != NULL)
		printf("argv not NULL-terminated\n");
	int envc = 0;
	while (environ[envc])
		envc++;
	printf("envc=%d\n", envc);
	for (int i = 0; i < envc; i++)
		printf("env[%d]=%s\n", i, environ[i]);
	printf("auxv pagesz=%lu random=%s phdr=%s entry=%s\n", getauxval(AT_PAGESZ),
	       getauxval(AT_RANDOM) ? "yes" : "no", getauxval(AT_PHDR) ? "yes" : "no",
	       getauxval(AT_ENTRY) == (unsigned long)_start ? "yes" : "no");
	return argc;
}

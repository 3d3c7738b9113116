/* ls [-l] [-a] [paths...]: list directories (sorted) and files. -a shows
 * names starting with '.', -l shows mode, links, owner, group and size.
 * Several paths print "path:" headers. Exit 1 if a path was missing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ulib.h"

static int opt_l, opt_a;

static void mode_str(mode_t m, char *s)
{
	s[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISFIFO(m) ? 'p' : '-';
	const char *rwx = "rwxrwxrwx";
	for (int i = 0; i < 9; i++)
		s[1 + i] = (m & (0400 >> i)) ? rwx[i] : '-';
	s[10] = 0;
}

/* show - one entry; dir is the directory it is in (NULL for an argument). */
static void show(const char *dir, const char *name)
{
	if (!opt_l) {
		printf("%s\n", name);
		return;
	}
	char path[1024];
	if (dir)
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	else
		snprintf(path, sizeof(path), "%s", name);
	struct stat st;
	/* newfstatat, not lstat: musl's lstat (and fstatat on AT_FDCWD) is
	 * SYS_lstat, which is not in the kernel's system call set */
	if (SC(SYS_newfstatat, AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		printf("?????????? %s\n", name);
		return;
	}
	char m[11];
	mode_str(st.st_mode, m);
	printf("%s %2lu %4u %4u %8lld %s", m, (unsigned long)st.st_nlink, st.st_uid, st.st_gid,
	       (long long)st.st_size, name);
	if (S_ISLNK(st.st_mode)) {
		char target[512];
		long n = readlink(path, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = 0;
			printf(" -> %s", target);
		}
	}
	printf("\n");
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
		return 1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && !opt_a)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **more = realloc(names, cap * sizeof(*names));
			if (!more)
				break;
			names = more;
		}
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp);
	for (size_t i = 0; i < n; i++) {
		show(path, names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

int main(int argc, char **argv)
{
	int first = 1;
	while (first < argc && argv[first][0] == '-' && argv[first][1]) {
		for (const char *o = argv[first] + 1; *o; o++) {
			if (*o == 'l')
				opt_l = 1;
			else if (*o == 'a')
				opt_a = 1;
			else {
				fprintf(stderr, "ls: unknown option -%c (use -l, -a)\n", *o);
				return 2;
			}
		}
		first++;
	}
	if (first == argc)
		return list_dir(".");
	/* files first, then directories with a header each when there are several */
	int st = 0, many = argc - first > 1, shown = 0;
	for (int i = first; i < argc; i++) {
		struct stat s;
		if (stat(argv[i], &s)) {
			fprintf(stderr, "ls: %s: %s\n", argv[i], strerror(errno));
			st = 1;
			argv[i] = NULL;
		} else if (!S_ISDIR(s.st_mode)) {
			show(NULL, argv[i]);
			argv[i] = NULL;
			shown = 1;
		}
	}
	for (int i = first; i < argc; i++) {
		if (!argv[i])
			continue;
		if (many)
			printf("%s%s:\n", shown ? "\n" : "", argv[i]);
		shown = 1;
		st |= list_dir(argv[i]);
	}
	return st;
}

/* Cases for the ELF loader: a minimal valid image runs, and every malformed
 * file in /tests/bad (made by tests/user/mkfiles.py) makes execve fail with
 * ENOEXEC while the calling process carries on.
 *
 * On Linux some segment-level defects are only found after the point of no
 * return (the process is then killed) or not at all (the image runs and
 * exits 99); on the host those cases accept any outcome. The nested kernel
 * must validate every program header before it commits: ENOEXEC for all. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "utest.h"

enum host_expect { H_ENOEXEC, H_ANY };

static const char *cur_file;
static int exec_canary = 1234;

static void exec_bad(long unused)
{
	(void)unused;
	char *argv[] = {"bad", NULL};
	char *envp[] = {NULL};
	long r = SC(SYS_execve, P(cur_file), argv, envp);
	/* still this process, memory intact: report the error */
	_exit(exec_canary == 1234 && r < 0 ? (int)-r : 100);
}

static void bad_elf(const char *file, enum host_expect host)
{
	cur_file = file;
	REQUIRE(SC(SYS_access, P(file), F_OK) == 0);
	int st = ut_child(exec_bad, 0);
	if (ut_on_nk || host == H_ENOEXEC) {
		CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == ENOEXEC, "execve of %s: child %s%s",
		       file, ut_status_str(st),
		       WIFEXITED(st) && WEXITSTATUS(st) == 99 ? " (the malformed image ran)" : "");
	} else if (!(WIFEXITED(st) && WEXITSTATUS(st) == ENOEXEC)) {
		ut_diag("host kernel: %s (Linux checks this after the point of no return)",
			ut_status_str(st));
	}
}

static void t_elf_tiny(void)
{
	char out[64];
	char *argv[] = {"tiny", NULL};
	CHECK_EXIT(ut_run(P("/tests/tiny"), argv, NULL, NULL, out, sizeof(out)), 42);
}

#define BAD(name, host)                                                                            \
	static void t_elf_##name(void)                                                             \
	{                                                                                          \
		bad_elf("/tests/bad/" #name, host);                                                \
	}
BAD(empty, H_ENOEXEC)
BAD(not_elf, H_ENOEXEC)
BAD(short_magic, H_ENOEXEC)
BAD(trunc_ehdr, H_ENOEXEC)
BAD(trunc_phdrs, H_ENOEXEC)
BAD(phoff_beyond_eof, H_ENOEXEC)
BAD(bad_phentsize, H_ENOEXEC)
BAD(no_phdrs, H_ENOEXEC)
BAD(too_many_phdrs, H_ENOEXEC)
BAD(bad_machine_i386, H_ENOEXEC)
BAD(bad_machine_arm64, H_ENOEXEC)
BAD(bad_type_rel, H_ENOEXEC)
BAD(bad_class32, H_ANY)
BAD(no_load, H_ANY)
BAD(filesz_gt_memsz, H_ANY)
BAD(seg_beyond_eof, H_ANY)
BAD(huge_seg, H_ANY)
BAD(wrap_seg, H_ANY)
BAD(kernel_seg, H_ANY)
BAD(overlap, H_ANY)
BAD(misaligned_offset, H_ANY)

/* After all of that, a good program still runs. */
static void t_elf_after_bad(void)
{
	t_elf_tiny();
}

const struct ut_case ut_elf_cases[] = {
    UT(elf_tiny),
    UT(elf_empty),
    UT(elf_not_elf),
    UT(elf_short_magic),
    UT(elf_trunc_ehdr),
    UT(elf_trunc_phdrs),
    UT(elf_phoff_beyond_eof),
    UT(elf_bad_phentsize),
    UT(elf_no_phdrs),
    UT(elf_too_many_phdrs),
    UT(elf_bad_machine_i386),
    UT(elf_bad_machine_arm64),
    UT(elf_bad_type_rel),
    UT(elf_bad_class32),
    UT(elf_no_load),
    UT(elf_filesz_gt_memsz),
    UT(elf_seg_beyond_eof),
    UT(elf_huge_seg),
    UT(elf_wrap_seg),
    UT(elf_kernel_seg),
    UT(elf_overlap),
    UT(elf_misaligned_offset),
    UT(elf_after_bad),
    {0},
};

/* Cases for the nested kernel's own syscall (include/uapi/nksys.h); they
 * skip on any other kernel. The last one runs the invariant checker after
 * everything the suite did to the kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "utest.h"

static void t_nk_info(void)
{
	struct nksys_info i;
	memset(&i, 0xff, sizeof(i));
	CHECK_EQ(nksys(NKSYS_INFO, (long)&i, 0, 0), 0);
	CHECK(i.frames_total > 0 && i.frames_free > 0 && i.frames_free < i.frames_total);
	CHECK(i.ptps >= 4 && i.ptps < i.frames_total);
	CHECK(i.nprocs >= 3 && i.nprocs < 10000); /* init, utest, this case */
	CHECK(i.nested == 0 || i.nested == 1);
	ut_diag("frames %lu total %lu free, ptps %lu, heap pages %lu, %lu processes, %s build",
		i.frames_total, i.frames_free, i.ptps, i.heap_pages, i.nprocs,
		i.nested ? "nested" : "native");
	CHECK_ERR(nksys(NKSYS_INFO, 0, 0, 0), EFAULT);
	CHECK_ERR(nksys(NKSYS_INFO, (long)UT_KERN_IMAGE, 0, 0), EFAULT);
	CHECK_ERR(nksys(NKSYS_INFO, (long)UT_KERN_DIRECT, 0, 0), EFAULT);
}

static void t_nk_ps(void)
{
	static struct nksys_proc p[128];
	long n = nksys(NKSYS_PS, (long)p, 128, 0);
	REQUIRE(CHECK_OK(n) >= 3);
	long me = SC(SYS_getpid);
	int found_me = 0, found_init = 0;
	for (long k = 0; k < n; k++) {
		CHECK(memchr(p[k].name, 0, sizeof(p[k].name)) != NULL);
		if (p[k].pid == me) {
			found_me = 1;
			CHECK_EQ(p[k].ppid, SC(SYS_getppid));
			CHECK_EQ(p[k].state, 'R');
			CHECKF(strstr(p[k].name, "utest") != NULL, "my name is '%s'", p[k].name);
		}
		if (p[k].pid == 1) {
			found_init = 1;
			CHECKF(strstr(p[k].name, "init") != NULL, "pid 1 is '%s'", p[k].name);
		}
	}
	CHECK(found_me && found_init);
	CHECK_EQ(nksys(NKSYS_PS, (long)p, 1, 0), 1);
	CHECK_EQ(nksys(NKSYS_PS, (long)p, 0, 0), 0);
	CHECK_ERR(nksys(NKSYS_PS, 0, 10, 0), EFAULT);
	CHECK_ERR(nksys(NKSYS_PS, (long)UT_KERN_IMAGE, 10, 0), EFAULT);
}

static void t_nk_console_errors(void)
{
	CHECK_ERR(nksys(NKSYS_CONSOLE, (long)"no-such-command", 0, 0), EINVAL);
	CHECK_ERR(nksys(NKSYS_CONSOLE, 0, 0, 0), EFAULT);
	CHECK_ERR(nksys(NKSYS_CONSOLE, (long)UT_KERN_IMAGE, 0, 0), EFAULT);
}

/* Last: the nested kernel's invariants hold after the whole suite. */
static void t_nk_invariants(void)
{
	ut_printf("# nk_invariants: kernel console output follows\n");
	CHECK_EQ(nksys(NKSYS_CONSOLE, (long)"check", 0, 0), 0);
}

const struct ut_case ut_nk_cases[] = {
    UT_NK(nk_info), UT_NK(nk_ps), UT_NK(nk_console_errors), UT_NK(nk_invariants), {0},
};

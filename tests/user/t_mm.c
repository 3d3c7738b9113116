/* Cases for memory: mmap, munmap, mprotect, MAP_FIXED, private file
 * mappings, brk, copy-on-write after fork, the faults that must kill only the
 * faulting process (SIGSEGV, SIGILL, SIGFPE), and running out of memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "utest.h"

#define PG 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* hide - a value the compiler cannot see through (so a NULL store stays). */
#define hide(v)                                                                                    \
	({                                                                                         \
		__typeof__(v) h_ = (v);                                                            \
		__asm__("" : "+r"(h_));                                                            \
		h_;                                                                                \
	})

static char *map_anon(size_t len, int prot)
{
	long r = SC(SYS_mmap, 0, len, prot, ANON, -1, 0);
	if (r < 0 && r > -4096) {
		ut_fail_at(__FILE__, __LINE__, "mmap(%zu) failed: %s", len, u_errname((int)-r));
		ut_abort();
	}
	return (char *)r;
}

static void t_mmap_anon(void)
{
	char *p = map_anon(3 * PG, RW);
	CHECK(((uintptr_t)p & (PG - 1)) == 0);
	int zero = 1;
	for (size_t i = 0; i < 3 * PG; i++)
		zero &= p[i] == 0;
	CHECK(zero);
	memset(p, 0xa5, 3 * PG);
	CHECK((unsigned char)p[3 * PG - 1] == 0xa5);
	char *q = map_anon(PG, RW);
	CHECK(q + PG <= p || q >= p + 3 * PG); /* no overlap */
	CHECK_EQ(SC(SYS_munmap, p, 3 * PG), 0);
	CHECK_EQ(SC(SYS_munmap, q, PG), 0);
	/* a length that is not a page multiple is rounded up */
	char *r = map_anon(100, RW);
	r[PG - 1] = 1;
	CHECK_EQ(SC(SYS_munmap, r, 100), 0);
	/* the errors */
	CHECK_ERR(SC(SYS_mmap, 0, 0, RW, ANON, -1, 0), EINVAL);
	CHECK_ERR(SC(SYS_mmap, 0, PG, RW, MAP_ANONYMOUS, -1, 0), EINVAL);
	CHECK_ERR(SC(SYS_mmap, 0x10000123, PG, RW, ANON | MAP_FIXED, -1, 0), EINVAL);
	CHECK_ERR(SC(SYS_mmap, 0, PG, RW, MAP_PRIVATE, -1, 0), EBADF);
	CHECK_ERR(SC(SYS_mmap, 0, PG, RW, MAP_PRIVATE, 5555, 0), EBADF);
	CHECK_ERR(SC(SYS_mmap, 0, 1UL << 47, RW, ANON, -1, 0), ENOMEM);
	CHECK_ERR(SC(SYS_mmap, 0, -PG, RW, ANON, -1, 0), ENOMEM);
	CHECK_ERR2(SC(SYS_mmap, UT_KERN_IMAGE, PG, RW, ANON | MAP_FIXED, -1, 0), ENOMEM, EINVAL);
	CHECK_ERR2(SC(SYS_mmap, UT_KERN_DIRECT, PG, RW, ANON | MAP_FIXED, -1, 0), ENOMEM, EINVAL);
	CHECK_ERR2(SC(SYS_mmap, (1UL << 47) - PG, 2 * PG, RW, ANON | MAP_FIXED, -1, 0), ENOMEM,
		   EINVAL);
	/* a hint in kernel space is only a hint: the mapping lands in user space */
	long h = SC(SYS_mmap, UT_KERN_IMAGE, PG, RW, ANON, -1, 0);
	CHECK((h > 0 && (unsigned long)h < (1UL << 47)) || h == -ENOMEM);
}

/* Many map/touch/unmap rounds; in the guest the free frames come back. */
static void t_mmap_churn(void)
{
	struct nksys_info a, b;
	for (int round = 0; round < 2; round++) {
		if (ut_on_nk && round == 1)
			ut_nk_info(&a);
		for (int i = 0; i < 100; i++) {
			size_t len = (size_t)(1 + i % 7) * PG;
			char *p = map_anon(len, RW);
			for (size_t o = 0; o < len; o += PG)
				p[o] = (char)i;
			if (SC(SYS_munmap, p, len) != 0)
				ut_fail_at(__FILE__, __LINE__, "munmap failed in round %d", i);
		}
	}
	if (ut_on_nk) {
		ut_nk_info(&b);
		CHECKF(a.frames_free == b.frames_free && a.ptps == b.ptps,
		       "frames_free %lu -> %lu, ptps %lu -> %lu", a.frames_free, b.frames_free,
		       a.ptps, b.ptps);
	}
}

static void touch_read(long addr)
{
	(void)*(volatile char *)addr;
}

static void touch_write(long addr)
{
	*(volatile char *)addr = 1;
}

static void t_munmap(void)
{
	char *p = map_anon(3 * PG, RW);
	memset(p, 7, 3 * PG);
	CHECK_EQ(SC(SYS_munmap, p + PG, PG), 0); /* a hole in the middle */
	CHECK_EQ(p[0], 7);
	CHECK_EQ(p[2 * PG], 7);
	CHECK_SIG(ut_child(touch_read, (long)(p + PG)), SIGSEGV);
	CHECK_SIG(ut_child(touch_write, (long)(p + PG + 10)), SIGSEGV);
	CHECK_EQ(SC(SYS_munmap, p, 3 * PG), 0); /* unmapping a hole is fine */
	CHECK_SIG(ut_child(touch_read, (long)p), SIGSEGV);
	CHECK_SIG(ut_child(touch_write, (long)(p + 2 * PG)), SIGSEGV);
	CHECK_ERR(SC(SYS_munmap, p + 1, PG), EINVAL);
	CHECK_ERR(SC(SYS_munmap, p, 0), EINVAL);
	CHECK_ERR(SC(SYS_munmap, UT_KERN_IMAGE, PG), EINVAL);
	CHECK_ERR(SC(SYS_munmap, UT_KERN_DIRECT, PG), EINVAL);
	/* the kernel is still mapped for the kernel: this call still works */
	CHECK_OK(SC(SYS_getpid));
}

static int call_code(long addr)
{
	return ((int (*)(void))addr)();
}

static void exec_page(long addr)
{
	call_code(addr);
}

static void t_mprotect(void)
{
	char *p = map_anon(3 * PG, RW);
	memset(p, 3, 3 * PG);
	CHECK_EQ(SC(SYS_mprotect, p + PG, PG, PROT_READ), 0);
	CHECK_EQ(p[PG], 3); /* still readable */
	CHECK_SIG(ut_child(touch_write, (long)(p + PG)), SIGSEGV);
	p[0] = 4; /* the neighbours stay writable */
	p[2 * PG] = 4;
	CHECK_EQ(SC(SYS_mprotect, p + PG, PG, PROT_NONE), 0);
	CHECK_SIG(ut_child(touch_read, (long)(p + PG)), SIGSEGV);
	CHECK_EQ(SC(SYS_mprotect, p + PG, PG, RW), 0);
	p[PG] = 5;
	CHECK_EQ(p[PG], 5);
	/* code: a RW page does not run; after mprotect(R|X) it does */
	static const unsigned char ret42[] = {0xb8, 42, 0, 0, 0, 0xc3}; /* mov eax,42; ret */
	memcpy(p, ret42, sizeof(ret42));
	CHECK_SIG(ut_child(exec_page, (long)p), SIGSEGV);
	CHECK_EQ(SC(SYS_mprotect, p, PG, PROT_READ | PROT_EXEC), 0);
	CHECK_EQ(call_code((long)p), 42);
	CHECK_SIG(ut_child(touch_write, (long)p), SIGSEGV);
	CHECK_ERR(SC(SYS_mprotect, p + 1, PG, PROT_READ), EINVAL);
	CHECK_ERR(SC(SYS_mprotect, p, PG, 0x100 | PROT_READ), EINVAL);
	CHECK_EQ(SC(SYS_munmap, p, 3 * PG), 0);
	CHECK_ERR(SC(SYS_mprotect, p, PG, PROT_READ), ENOMEM);
	CHECK_ERR2(SC(SYS_mprotect, UT_KERN_IMAGE, PG, RW), ENOMEM, EINVAL);
	CHECK_ERR2(SC(SYS_mprotect, UT_KERN_DIRECT, PG, RW), ENOMEM, EINVAL);
}

static void t_map_fixed(void)
{
	char *p = map_anon(4 * PG, RW);
	memset(p, 0xaa, 4 * PG);
	long r = SC(SYS_mmap, p + PG, PG, RW, ANON | MAP_FIXED, -1, 0);
	CHECK_EQ(r, (long)(p + PG));
	CHECK_EQ(p[PG], 0); /* fresh zero page replaced the old contents */
	CHECK_EQ((unsigned char)p[PG - 1], 0xaa);
	CHECK_EQ((unsigned char)p[2 * PG], 0xaa);
	/* MAP_FIXED at a free address gets exactly that address */
	CHECK_EQ(SC(SYS_munmap, p, 4 * PG), 0);
	r = SC(SYS_mmap, p + 2 * PG, PG, RW, ANON | MAP_FIXED, -1, 0);
	CHECK_EQ(r, (long)(p + 2 * PG));
	p[2 * PG] = 1;
	CHECK_SIG(ut_child(touch_read, (long)p), SIGSEGV);
	/* a far address of the program's choosing (new page-table pages) */
	r = SC(SYS_mmap, 0x500000000000L, 2 * PG, RW, ANON | MAP_FIXED, -1, 0);
	CHECK_EQ(r, 0x500000000000L);
	if (r == 0x500000000000L) {
		((char *)r)[PG] = 9;
		CHECK_EQ(SC(SYS_munmap, r, 2 * PG), 0);
	}
}

static void t_mmap_file(void)
{
	long fd = CHECK_OK(SC(SYS_open, P("/tests/pattern.bin"), O_RDONLY));
	REQUIRE(fd >= 0);
	long r = SC(SYS_mmap, 0, 4 * PG, RW, MAP_PRIVATE, fd, 0);
	REQUIRE(CHECK_OK(r) > 0);
	unsigned char *m = (unsigned char *)r;
	long bad = -1;
	for (unsigned long i = 0; i < UT_PATTERN_SIZE && bad < 0; i++)
		if (m[i] != ut_pattern(i))
			bad = (long)i;
	CHECKF(bad < 0, "mapped byte %ld differs from the file", bad);
	int tail_zero = 1; /* the rest of the last page reads as zeros */
	for (unsigned long i = UT_PATTERN_SIZE; i < 4 * PG; i++)
		tail_zero &= m[i] == 0;
	CHECK(tail_zero);
	/* private: a write changes this mapping only */
	m[10] ^= 0xff;
	m[PG + 5] ^= 0xff;
	CHECK_EQ(m[10], (unsigned char)~ut_pattern(10));
	unsigned char c;
	CHECK_EQ(SC(SYS_lseek, fd, 10, SEEK_SET), 10);
	CHECK_EQ(SC(SYS_read, fd, &c, 1), 1);
	CHECK_EQ(c, ut_pattern(10));
	long r2 = SC(SYS_mmap, 0, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	REQUIRE(CHECK_OK(r2) > 0);
	CHECK_EQ(((unsigned char *)r2)[10], ut_pattern(10));
	/* an offset into the file; the mapping outlives the descriptor */
	long r3 = SC(SYS_mmap, 0, PG, PROT_READ, MAP_PRIVATE, fd, 2 * PG);
	REQUIRE(CHECK_OK(r3) > 0);
	SC(SYS_close, fd);
	CHECK_EQ(((unsigned char *)r3)[0], ut_pattern(2 * PG));
	CHECK_EQ(((unsigned char *)r3)[99], ut_pattern(2 * PG + 99));
	/* a read-only mapping of the file is read-only */
	CHECK_SIG(ut_child(touch_write, r2), SIGSEGV);
	fd = SC(SYS_open, P("/tests/pattern.bin"), O_RDONLY);
	CHECK_ERR(SC(SYS_mmap, 0, PG, RW, MAP_PRIVATE, fd, 100), EINVAL);
	long d = CHECK_OK(SC(SYS_open, P("/tests"), O_RDONLY | O_DIRECTORY));
	CHECK(SC(SYS_mmap, 0, PG, PROT_READ, MAP_PRIVATE, d, 0) < 0);
	long w = CHECK_OK(SC(SYS_open, "/dev/null", O_WRONLY));
	CHECK_ERR2(SC(SYS_mmap, 0, PG, PROT_READ, MAP_PRIVATE, w, 0), EACCES, ENODEV);
}

static void t_brk(void)
{
	long cur = SC(SYS_brk, 0);
	CHECK(cur > 0);
	CHECK_EQ(SC(SYS_brk, 0), cur);
	long want = cur + 100000;
	CHECK_EQ(SC(SYS_brk, want), want);
	memset((void *)cur, 0x5a, 100000);
	CHECK_EQ(((char *)cur)[99999], 0x5a);
	/* 8 MiB more, touched at every page */
	long big = want + (8L << 20);
	CHECK_EQ(SC(SYS_brk, big), big);
	for (long a = want; a < big; a += PG)
		*(volatile char *)a = 1;
	/* shrink: the old top is gone */
	CHECK_EQ(SC(SYS_brk, cur + PG), cur + PG);
	CHECK_SIG(ut_child(touch_write, big - PG), SIGSEGV);
	/* refusals return the unchanged break */
	CHECK_EQ(SC(SYS_brk, UT_KERN_IMAGE), cur + PG);
	CHECK_EQ(SC(SYS_brk, 1 << 20), cur + PG);
	CHECK_EQ(SC(SYS_brk, 1L << 47), cur + PG);
	/* growing again gives zeroed memory */
	CHECK_EQ(SC(SYS_brk, cur + 3 * PG), cur + 3 * PG);
	CHECK_EQ(((char *)cur)[2 * PG + 7], 0);
	CHECK_EQ(((char *)cur)[10], 0x5a);
}

/* Copy-on-write: after fork, parent and child each keep their own stack,
 * heap (malloc), static data, private anonymous and private file pages. */
static int cow_data = 1;

static void t_fork_cow(void)
{
	int stack_var = 1;
	int *heap = malloc(64 * sizeof(int));
	REQUIRE(heap != NULL);
	heap[0] = 1;
	char *anon = map_anon(64 * PG, RW);
	for (int i = 0; i < 64; i++)
		anon[i * PG] = 1;
	char *untouched = map_anon(PG, RW);
	long fd = SC(SYS_open, P("/tests/pattern.bin"), O_RDONLY);
	long fm = SC(SYS_mmap, 0, PG, RW, MAP_PRIVATE, fd, 0);
	REQUIRE(fd >= 0 && fm > 0);
	unsigned char *file = (unsigned char *)fm;
	file[0] = 1;
	int go[2], done[2];
	REQUIRE(SC(SYS_pipe, go) == 0 && SC(SYS_pipe, done) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		char c;
		SC(SYS_read, go[0], &c, 1); /* the parent has written its 3s */
		int bad = 0;
		bad |= (stack_var != 1) << 0;
		bad |= (heap[0] != 1) << 1;
		bad |= (cow_data != 1) << 2;
		bad |= (file[0] != 1) << 3;
		bad |= (untouched[0] != 0) << 4;
		for (int i = 0; i < 64; i++)
			bad |= (anon[i * PG] != 1) << 5;
		stack_var = 2, heap[0] = 2, cow_data = 2, file[0] = 2, untouched[0] = 2;
		for (int i = 0; i < 64; i++)
			anon[i * PG] = 2;
		bad |= (stack_var != 2 || heap[0] != 2 || cow_data != 2 || anon[PG] != 2) << 6;
		SC(SYS_write, done[1], "d", 1);
		_exit(bad);
	}
	stack_var = 3, heap[0] = 3, cow_data = 3, file[0] = 3;
	for (int i = 0; i < 64; i += 2)
		anon[i * PG] = 3;
	SC(SYS_write, go[1], "g", 1);
	char c;
	SC(SYS_read, done[0], &c, 1);
	int st = ut_wait(pid);
	CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "child %s (bits: 1 stack, 2 heap, 4 data, 8 file, 16 zero page, 32 anon, 64 own "
	       "writes)",
	       ut_status_str(st));
	CHECK_EQ(stack_var, 3);
	CHECK_EQ(heap[0], 3);
	CHECK_EQ(cow_data, 3);
	CHECK_EQ(file[0], 3);
	CHECK_EQ(untouched[0], 0);
	int anon_ok = 1;
	for (int i = 0; i < 64; i++)
		anon_ok &= anon[i * PG] == (i % 2 ? 1 : 3);
	CHECK(anon_ok);
}

/* Each fault kills the faulting child with the signal Linux sends; the
 * parent (this case) goes on. */
static void f_null_read(long a)
{
	(void)a;
	(void)*hide((volatile int *)0);
}
static void f_null_write(long a)
{
	(void)a;
	*hide((volatile int *)0) = 1;
}
static void f_kernel_write(long a)
{
	(void)a;
	*hide((volatile long *)UT_KERN_IMAGE) = 0x4141414141414141L;
}
static void f_kernel_read(long a)
{
	(void)a;
	(void)*hide((volatile long *)UT_KERN_DIRECT);
}
static void f_noncanonical(long a)
{
	(void)a;
	(void)*hide((volatile long *)UT_NONCANON);
}
static void f_exec_stack(long a)
{
	(void)a;
	unsigned char code[16] = {0xb8, 42, 0, 0, 0, 0xc3};
	call_code(hide((long)code));
}
static void f_jump_kernel(long a)
{
	(void)a;
	call_code(hide((long)UT_KERN_IMAGE));
}
static void f_cli(long a)
{
	(void)a;
	__asm__ volatile("cli");
}
static void f_mov_cr0(long a)
{
	(void)a;
	__asm__ volatile("mov %%cr0, %%rax" ::: "rax");
}
static void f_wrmsr(long a)
{
	(void)a;
	__asm__ volatile("wrmsr" ::"c"(0xc0000080), "a"(0), "d"(0));
}
static void f_ud2(long a)
{
	(void)a;
	__asm__ volatile("ud2");
}
static void f_div0(long a)
{
	int r;
	__asm__ volatile("cltd; idivl %2" : "=a"(r) : "a"(1), "r"((int)a) : "rdx");
	(void)r;
}

static void t_fault_null(void)
{
	CHECK_SIG(ut_child(f_null_read, 0), SIGSEGV);
	CHECK_SIG(ut_child(f_null_write, 0), SIGSEGV);
}

static void t_fault_kernel_addr(void)
{
	CHECK_SIG(ut_child(f_kernel_write, 0), SIGSEGV);
	CHECK_SIG(ut_child(f_kernel_read, 0), SIGSEGV);
	CHECK_SIG(ut_child(f_noncanonical, 0), SIGSEGV);
	CHECK_SIG(ut_child(f_jump_kernel, 0), SIGSEGV);
}

static void t_fault_exec_nx(void)
{
	CHECK_SIG(ut_child(f_exec_stack, 0), SIGSEGV);
}

static void t_fault_privileged(void)
{
	CHECK_SIG(ut_child(f_cli, 0), SIGSEGV);
	CHECK_SIG(ut_child(f_mov_cr0, 0), SIGSEGV);
	CHECK_SIG(ut_child(f_wrmsr, 0), SIGSEGV);
}

static void t_fault_ud_div(void)
{
	CHECK_SIG(ut_child(f_ud2, 0), SIGILL);
	CHECK_SIG(ut_child(f_div0, 0), SIGFPE);
}

/* Touch anonymous memory until something gives: at most 1 GiB, more than the
 * guest has. Exit 3: mmap said ENOMEM; exit 0: everything was touched. */
static void oom_child(long limit)
{
	if (limit) {
		struct rlimit rl = {(rlim_t)limit, (rlim_t)limit};
		setrlimit(RLIMIT_AS, &rl);
	}
	const size_t chunk = 16UL << 20;
	for (size_t total = 0; total < (1UL << 30); total += chunk) {
		long r = SC(SYS_mmap, 0, chunk, RW, ANON | MAP_NORESERVE, -1, 0);
		if (r == -ENOMEM)
			_exit(3);
		if (r < 0 && r > -4096)
			_exit(4);
		for (size_t o = 0; o < chunk; o += PG)
			((volatile char *)r)[o] = 1;
	}
	_exit(0);
}

static void t_oom_kill(void)
{
	struct nksys_info a, b;
	char out[64];
	char *argv[] = {"true", NULL};
	/* warm up: the steps after the kill run once before the first count,
	 * so pages this process touches for the first time are not counted */
	CHECK_EXIT(ut_run(P("/bin/true"), argv, NULL, NULL, out, sizeof(out)), 0);
	ut_diag("warm-up %s", ut_status_str(0));
	if (ut_on_nk)
		ut_nk_info(&a);
	/* on the host an address-space limit stands in for the guest's RAM */
	long long t0 = ut_now_ns();
	int st = ut_child(oom_child, ut_on_nk ? 0 : 256L << 20);
	ut_diag("out-of-memory child %s after %lld ms", ut_status_str(st),
		(ut_now_ns() - t0) / 1000000);
	if (ut_on_nk)
		CHECK_SIG(st, SIGKILL);
	else
		CHECK_EXIT(st, 3);
	/* life goes on: a fork and an exec work */
	CHECK_EXIT(ut_run(P("/bin/true"), argv, NULL, NULL, out, sizeof(out)), 0);
	if (ut_on_nk) {
		ut_nk_info(&b);
		CHECKF(a.frames_free + a.heap_pages == b.frames_free + b.heap_pages &&
			   a.ptps == b.ptps,
		       "frames_free %lu -> %lu, heap pages %lu -> %lu, ptps %lu -> %lu",
		       a.frames_free, b.frames_free, a.heap_pages, b.heap_pages, a.ptps, b.ptps);
	}
}

const struct ut_case ut_mm_cases[] = {
    UT(mmap_anon),
    UT(mmap_churn),
    UT(munmap),
    UT(mprotect),
    UT(map_fixed),
    UT(mmap_file),
    UT(brk),
    UT(fork_cow),
    UT(fault_null),
    UT(fault_kernel_addr),
    UT(fault_exec_nx),
    UT(fault_privileged),
    UT(fault_ud_div),
    UT(oom_kill),
    {0},
};

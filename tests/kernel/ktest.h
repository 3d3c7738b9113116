/* In-kernel tests reported as KTAP (Linux Documentation/dev-tools/ktap.rst):
 * part of the harness (tests/kernel/, Makefile HARNESS=1). */
#ifndef TESTS_KTEST_H
#define TESTS_KTEST_H
#include <nk/types.h>

struct ktest {
	const char *name;
	bool nested_only; /* needs the nested kernel's checks */
	bool (*fn)(void); /* true: passed; failures print a `# ` diagnostic */
};

/* The groups cmd_test runs, in order: ktest.c's, then ktest_policy.c's. */
struct ktest_group {
	const struct ktest *tests;
	size_t n;
};
extern const struct ktest_group ktest_policy_group; /* tests/kernel/ktest_policy.c */
/* tests/kernel/smp_race.c: two CPUs racing in nk (issue 17 section 6) */
extern const struct ktest_group ktest_smp_group;
/* tests/kernel/mmu_oracle.c: run only by name (`test mmu_oracle`), not by `test all` */
extern const struct ktest_group ktest_oracle_group;

/* kt_expect: print a KTAP diagnostic when cond is false; returns cond. */
bool kt_expect_at(bool cond, const char *expr, int line);
#define KT_EXPECT(c) kt_expect_at((c), #c, __LINE__)

/* mmu_walk_check: recount every counter of nk's frame table (wcount, maps,
 * refs per frame; huge_maps, nondata per 2 MiB) with the MMU oracle's
 * walker (tests/kernel/mmu_walk.c, SDM 4.5) over the live tables. Returns
 * 0 when all agree, else how many frames differ (or entries the walk
 * rejects), with *what and *pfn the first. Source: spec 4; issue 16. */
long mmu_walk_check(const char **what, uint64_t *pfn);

/* fs_ktest: the in-kernel test of the file system (KTAP `fs_tmpfs`,
 * tests/kernel/fs_ktest.c); calls fs_init. Returns true when it passed. */
bool fs_ktest(void);
#endif

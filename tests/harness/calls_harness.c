/* Test fixture for tests/harness/run.sh: a "kernel file" that calls a
 * harness function (attack_snap, tests/attacks/attack_sweep.c). The
 * harness boundary check must refuse it. Not part of any image. */
#include <outer/kernel.h>
#include <outer/attack_api.h>

void kernel_peeks_at_harness(void);
void kernel_peeks_at_harness(void)
{
	struct attack_snap s;
	attack_snap(&s);
	kprintf("cr0 %lx\n", s.cr0);
}

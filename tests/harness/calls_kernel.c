/* Test fixture for tests/harness/run.sh: a kernel file that calls only
 * kernel functions; the harness boundary check must accept it. */
#include <outer/kernel.h>

void kernel_only(void);
void kernel_only(void)
{
	kprintf("hello\n");
}

/* victim: a well-behaved module whose text the attack suite tries to
 * overwrite (drivers/buggy/write_module_text.c). It only counts calls. */
#include <outer/kernel.h>
#include <outer/module.h>

static volatile uint64_t calls;

uint64_t victim_poke(void);
uint64_t victim_poke(void)
{
	return ++calls;
}

static int victim_init(void)
{
	victim_poke();
	return 0;
}
MODULE_INIT(victim_init)

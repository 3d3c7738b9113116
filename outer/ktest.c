#include <outer/kernel.h>
#include <outer/console.h>
int cmd_test(int argc, char **argv) { (void)argc, (void)argv; return 0; }

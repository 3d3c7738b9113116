/* The tests of tests/host/test_vmmu.c, every single call sent as a
 * one-operation nk_multicall (FX_VIA_MULTICALL, tests/host/fixture.h):
 * the multicall has each precondition of the call. */
#define FX_VIA_MULTICALL 1
#include "test_vmmu.c"

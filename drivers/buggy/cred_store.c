/* Attack module cred_store (write-mediation): make process slot 0's owner
 * another user with a plain store into the real credentials (euid, the
 * third int of struct cred {uid, gid, euid, egid}; 4660 differs from any
 * value the slot holds). The harness reads back target "cred"
 * (docs/modules.md); expected: blocked (the region is read-only outside
 * nk: only nk_write changes it, and nk logs the change). */
#include <outer/kernel.h>
#include <outer/mm.h>
#include <outer/attack_api.h>
#include <nk/region.h>
#include "buggy.h"

static long attack(struct attack_ctx *c)
{
	if (!c->cred)
		return 0;
	((volatile int *)c->cred)[2] = 4660;
	return 0;
}

ATTACK("cred_store", "write-mediation", "cred", ATTACK_BLOCKED, attack);

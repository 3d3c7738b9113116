/* Copies between the kernel and user space (include/outer/uaccess.h).
 * The copy loops are in outer/usermode.asm, between STAC and CLAC; a fault
 * there that the page-fault handler cannot resolve resumes at
 * uaccess_fixup, which returns -EFAULT. */
#include <outer/kernel.h>
#include <outer/errno.h>
#include <outer/uaccess.h>
#include <outer/nkq.h>

long uaccess_copy(void *dst, const void *src, size_t n);
long uaccess_strncpy(char *dst, const char *usrc, size_t cap);

long copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	nkq_flush(); /* user memory as the queued vMMU changes leave it */
	if (!user_range_ok(usrc, n))
		return -EFAULT;
	return n ? uaccess_copy(dst, (const void *)usrc, n) : 0;
}

long copy_to_user(uint64_t udst, const void *src, size_t n)
{
	nkq_flush();
	if (!user_range_ok(udst, n))
		return -EFAULT;
	return n ? uaccess_copy((void *)udst, src, n) : 0;
}

long strncpy_from_user(char *dst, uint64_t usrc, size_t cap)
{
	nkq_flush();
	if (cap == 0 || usrc >= USER_TOP)
		return -EFAULT;
	size_t room = cap;
	if (room > USER_TOP - usrc)
		room = USER_TOP - usrc;
	long r = uaccess_strncpy(dst, (const char *)usrc, room);
	if (r < 0)
		return r;
	if ((size_t)r == room && dst[room - 1] != '\0') {
		dst[cap - 1] = '\0';
		return room < cap ? -EFAULT : -ENAMETOOLONG;
	}
	return r - 1;
}

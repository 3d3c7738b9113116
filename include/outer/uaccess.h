/* Copies between the kernel and user space. Every user pointer is checked
 * against the user half; a fault while copying (a hole, a read-only page
 * for a write) gives -EFAULT instead of a panic. SMAP stays on except inside
 * these copies (stac/clac around them only). Source: SDM Vol. 3A 4.6 (SMAP),
 * Linux's uaccess contract. */
#ifndef OUTER_UACCESS_H
#define OUTER_UACCESS_H
#include <nk/types.h>
#include <outer/errno.h>

#define USER_TOP 0x0000800000000000ull /* first address above the user half */

/* user_range_ok: [uaddr, uaddr+n) lies in the user half (no wrap). */
static inline bool user_range_ok(uint64_t uaddr, uint64_t n)
{
	return uaddr < USER_TOP && n <= USER_TOP - uaddr;
}

/* copy_from_user: n bytes from user address usrc to kernel dst.
 * Returns 0 or -EFAULT (nothing guaranteed about dst then). */
long copy_from_user(void *dst, uint64_t usrc, size_t n);
/* copy_to_user: n bytes from kernel src to user address udst.
 * Returns 0 or -EFAULT. */
long copy_to_user(uint64_t udst, const void *src, size_t n);
/* strncpy_from_user: a NUL-terminated string of at most cap-1 bytes from
 * usrc into dst (NUL-terminated). Returns its length, -EFAULT, or
 * -ENAMETOOLONG when no NUL is found within cap bytes. */
long strncpy_from_user(char *dst, uint64_t usrc, size_t cap);

/* timespec_from_user: the struct timespec (tv_sec, tv_nsec: two 64-bit
 * words) at user address uts as nanoseconds in *ns, capped at INT64_MAX.
 * Errors: -EFAULT, -EINVAL (tv_sec < 0, or tv_nsec outside 0..999999999).
 * Source: man 2 nanosleep. */
static inline long timespec_from_user(uint64_t uts, uint64_t *ns)
{
	uint64_t ts[2];
	if (copy_from_user(ts, uts, sizeof(ts)))
		return -EFAULT;
	if ((int64_t)ts[0] < 0 || ts[1] >= 1000000000ull)
		return -EINVAL;
	*ns = ts[0] > INT64_MAX / 1000000000 - 1 ? INT64_MAX : ts[0] * 1000000000ull + ts[1];
	return 0;
}
#endif

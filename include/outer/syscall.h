/* System calls: the Linux x86-64 ABI (numbers from arch/x86/entry/syscalls/
 * syscall_64.tbl). Each handler takes the six argument registers
 * (rdi, rsi, rdx, r10, r8, r9) as a[0..5] and returns a value or -errno. */
#ifndef OUTER_SYSCALL_H
#define OUTER_SYSCALL_H
#include <nk/types.h>

typedef long (*syscall_fn)(const uint64_t *a);

/* modules (outer/module_sys.c) */
long sys_init_module(const uint64_t *a);
long sys_finit_module(const uint64_t *a);
long sys_delete_module(const uint64_t *a);
long sys_query_module(const uint64_t *a);

/* files (outer/fs/sys_rw.c, sys_open.c, sys_fd.c, sys_stat.c, sys_namei.c,
 * sys_poll.c) */
long sys_read(const uint64_t *a);
long sys_write(const uint64_t *a);
long sys_readv(const uint64_t *a);
long sys_writev(const uint64_t *a);
long sys_open(const uint64_t *a);
long sys_openat(const uint64_t *a);
long sys_close(const uint64_t *a);
long sys_lseek(const uint64_t *a);
long sys_fstat(const uint64_t *a);
long sys_stat(const uint64_t *a);
long sys_lstat(const uint64_t *a);
long sys_newfstatat(const uint64_t *a);
long sys_getdents64(const uint64_t *a);
long sys_getcwd(const uint64_t *a);
long sys_chdir(const uint64_t *a);
long sys_readlink(const uint64_t *a);
long sys_access(const uint64_t *a);
long sys_faccessat(const uint64_t *a);
long sys_ioctl(const uint64_t *a);
long sys_pipe(const uint64_t *a);
long sys_pipe2(const uint64_t *a);
long sys_dup(const uint64_t *a);
long sys_dup2(const uint64_t *a);
long sys_dup3(const uint64_t *a);
long sys_poll(const uint64_t *a);
long sys_ppoll(const uint64_t *a);
long sys_fcntl(const uint64_t *a);
long sys_mkdir(const uint64_t *a);
long sys_unlink(const uint64_t *a);
long sys_rmdir(const uint64_t *a);
long sys_unlinkat(const uint64_t *a);
long sys_mkdirat(const uint64_t *a);
long sys_rename(const uint64_t *a);

/* files at an offset, sizes, sync (outer/fs/sys_rw.c), Linux man 2 pread,
 * preadv, truncate, fsync. pread64/pwrite64(fd, buf, count, pos) and
 * preadv/pwritev(fd, iov, iovcnt, pos) move bytes at pos without moving
 * the file offset: -EBADF, -EINVAL (pos < 0), -ESPIPE (a pipe or the
 * tty), then read's and readv's errors. ftruncate(fd, length) and
 * truncate(path, length): zeros when growing, pages freed when shrinking;
 * -EINVAL (length < 0, not a regular file, fd not open for writing),
 * -EBADF, -EISDIR, -EACCES, -EFBIG. fsync/fdatasync(fd): 0 for tmpfs
 * files and directories, -EBADF, -EINVAL (pipes, devices). */
long sys_pread64(const uint64_t *a);
long sys_pwrite64(const uint64_t *a);
long sys_preadv(const uint64_t *a);
long sys_pwritev(const uint64_t *a);
/* sendfile(out_fd, in_fd, offset, count): outer/fs/sys_rw.c */
long sys_sendfile(const uint64_t *a);
long sys_ftruncate(const uint64_t *a);
long sys_truncate(const uint64_t *a);
long sys_fsync(const uint64_t *a);
/* select and pselect6 (outer/fs/sys_poll.c; their comments there) */
long sys_select(const uint64_t *a);
long sys_pselect6(const uint64_t *a);
/* symlinks (outer/fs/sys_namei.c), statx (sys_stat.c), attributes
 * (sys_attr.c): each call's comment is at its handler. */
long sys_symlink(const uint64_t *a);
long sys_symlinkat(const uint64_t *a);
long sys_readlinkat(const uint64_t *a);
long sys_statx(const uint64_t *a);
long sys_chmod(const uint64_t *a);
long sys_fchmod(const uint64_t *a);
long sys_fchmodat(const uint64_t *a);
long sys_chown(const uint64_t *a);
long sys_fchown(const uint64_t *a);
long sys_lchown(const uint64_t *a);
long sys_fchownat(const uint64_t *a);
long sys_utimensat(const uint64_t *a);
long sys_umask(const uint64_t *a);

/* time_init: start the wall clock (CLOCK_REALTIME) from the CMOS RTC
 * (rtc_read_epoch; 2026-01-01 when it reads nothing); after pit_init.
 * time_realtime_ns: CLOCK_REALTIME now, in ns since the Unix epoch
 * (outer/sys_time.c; 10 ms resolution). */
void time_init(void);
uint64_t time_realtime_ns(void);

/* syscall_init: SYSCALL MSRs through nk (before nk_init_done locks them). */
void syscall_init(void);

/* syscall_table_region: the table's region id (write-once, sealed);
 * syscall_table_entry: the address of entry nr (0..511, taken modulo 512;
 * virtual, 8 bytes each), for the attack oracles and modules. */
long syscall_table_region(void);
const void *syscall_table_entry(unsigned nr);

/* syscall_dispatch: run syscall nr with args a; -ENOSYS (logged once per
 * number) when unknown. */
long syscall_dispatch(uint64_t nr, const uint64_t *a);

/* job control (outer/proc_job.c): man 2 setpgid (getpgid, getpgrp),
 * setsid, getsid; the errors are at each definition */
long sys_getpgid(const uint64_t *a);
long sys_getpgrp(const uint64_t *a);
long sys_getsid(const uint64_t *a);
long sys_setpgid(const uint64_t *a);
long sys_setsid(const uint64_t *a);

/* outer/sys_ident.c, sys_time.c, nksys.c: the small calls (man 2 of each;
 * nksys: include/uapi/nksys.h). */
long sys_arch_prctl(const uint64_t *a);
/* outer/fs/sys_statfs.c: statfs, fstatfs (man 2 statfs) */
long sys_statfs(const uint64_t *a);
long sys_fstatfs(const uint64_t *a);
/* outer/proc_cred.c: getgroups (man 2 getgroups), prctl (man 2 prctl:
 * PR_SET_NAME, PR_GET_NAME) */
long sys_getgroups(const uint64_t *a);
long sys_prctl(const uint64_t *a);
long sys_clock_getres(const uint64_t *a);
long sys_clock_gettime(const uint64_t *a);
long sys_clock_nanosleep(const uint64_t *a);
long sys_clock_settime(const uint64_t *a);
long sys_settimeofday(const uint64_t *a);
long sys_getegid(const uint64_t *a);
long sys_geteuid(const uint64_t *a);
long sys_getgid(const uint64_t *a);
long sys_getpid(const uint64_t *a);
long sys_getppid(const uint64_t *a);
long sys_getrandom(const uint64_t *a);
long sys_getrlimit(const uint64_t *a);
long sys_gettimeofday(const uint64_t *a);
long sys_getuid(const uint64_t *a);
long sys_madvise(const uint64_t *a);
long sys_nanosleep(const uint64_t *a);
long sys_nksys(const uint64_t *a);
long sys_pause(const uint64_t *a);
long sys_prlimit64(const uint64_t *a);
long sys_reboot(const uint64_t *a);
long sys_set_robust_list(const uint64_t *a);
long sys_set_tid_address(const uint64_t *a);
long sys_setgid(const uint64_t *a);
long sys_setuid(const uint64_t *a);
long sys_sync(const uint64_t *a);
long sys_sysinfo(const uint64_t *a);
long sys_time(const uint64_t *a);
long sys_uname(const uint64_t *a);

#endif

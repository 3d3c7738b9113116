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

/* outer/sys_ident.c, sys_time.c, nksys.c: the small calls (man 2 of each;
 * nksys: include/uapi/nksys.h). */
long sys_arch_prctl(const uint64_t *a);
long sys_clock_getres(const uint64_t *a);
long sys_clock_gettime(const uint64_t *a);
long sys_clock_nanosleep(const uint64_t *a);
long sys_getegid(const uint64_t *a);
long sys_geteuid(const uint64_t *a);
long sys_getgid(const uint64_t *a);
long sys_getpgrp(const uint64_t *a);
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
long sys_setpgid(const uint64_t *a);
long sys_setuid(const uint64_t *a);
long sys_sync(const uint64_t *a);
long sys_sysinfo(const uint64_t *a);
long sys_time(const uint64_t *a);
long sys_umask(const uint64_t *a);
long sys_uname(const uint64_t *a);

#endif

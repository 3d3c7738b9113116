/* execve: load a static ELF64 x86-64 executable (ET_EXEC, or ET_DYN
 * loaded at a fixed base: static-pie) into a new address space, with argv,
 * envp and the auxiliary vector on the stack as Linux lays them out, and
 * "#!" scripts through their interpreter.
 * Source: System V ABI AMD64 3.4.1 (initial stack and auxv), ELF-64 Object
 * File Format 1.5 (headers), Linux man 2 execve. */
#include <outer/kernel.h>
#include <outer/elf.h>
#include <outer/errno.h>
#include <outer/execelf.h>
#include <outer/fs.h>
#include <outer/mm.h>
#include <outer/proc.h>
#include <outer/trap.h>
#include <outer/uaccess.h>
#include <outer/vm.h>

#define ARG_MAX_BYTES (128u * 1024) /* argv + envp strings */
#define ARG_MAX_COUNT 4096u
#define STACK_INIT_BYTES (128ull << 10)

#define PF_X 1
#define PF_W 2
#define PF_R 4

/* argv/envp gathered in kernel memory: n strings packed in buf */
struct strv {
	char *buf;
	uint32_t bytes, argc, envc;
};

/* exec_elf_parse's reader (an exec_read_fn): exactly n bytes of the
 * inode ctx from byte offset off. */
static long read_exact(void *ctx, void *buf, uint64_t off, size_t n)
{
	long r = inode_read(ctx, buf, off, n);
	if (r < 0)
		return r;
	return (size_t)r == n ? 0 : -ENOEXEC;
}

/* Lay out the initial stack (SysV AMD64 3.4.1) at the top of mm's stack
 * VMA: argc, argv[], NULL, envp[], NULL, auxv pairs, then the strings.
 * The address space is loaded; the pages fault in through copy_to_user. */
static long build_stack(const struct strv *sv, const struct elf64_ehdr *eh, uint64_t phdr_va,
			uint64_t bias, const struct proc *p, uint64_t *sp_out)
{
	uint64_t top = USER_STACK_TOP;
	uint64_t strings = top - align_up(sv->bytes, 16);
	uint64_t platform = strings - 16, random = platform - 16;
	uint64_t execfn = strings; /* argv[0]'s string */
	uint32_t nptr = sv->argc + 1 + sv->envc + 1;
	uint64_t aux[][2] = {
	    {3, phdr_va},
	    {4, sizeof(struct elf64_phdr)},
	    {5, eh->phnum},
	    {6, PAGE_SIZE},
	    {7, 0},
	    {8, 0},
	    {9, eh->entry + bias},
	    {11, (uint64_t)proc_cred(p)->uid},
	    {12, (uint64_t)proc_cred(p)->euid},
	    {13, (uint64_t)proc_cred(p)->gid},
	    {14, (uint64_t)proc_cred(p)->egid},
	    {15, platform},
	    {16, 0x178bfbff},
	    {17, 100},
	    {23, 0},
	    {25, random},
	    {26, 0},
	    {31, execfn},
	    {0, 0},
	};
	uint64_t words = 1 + nptr + 2 * ARRAY_SIZE(aux);
	uint64_t sp = (random - words * 8) & ~15ull;
	uint64_t *v = kmalloc(words * 8);
	if (!v)
		return -ENOMEM;
	uint64_t w = 0, s = strings;
	v[w++] = sv->argc;
	const char *c = sv->buf;
	for (uint32_t i = 0; i < sv->argc + sv->envc; i++) {
		if (i == sv->argc)
			v[w++] = 0;
		v[w++] = s;
		size_t n = strlen(c) + 1;
		s += n;
		c += n;
	}
	if (sv->envc == 0)
		v[w++] = 0; /* argv's NULL */
	v[w++] = 0;	    /* envp's NULL */
	memcpy(&v[w], aux, sizeof(aux));
	uint8_t rnd[16];
	for (int i = 0; i < 16; i++)
		rnd[i] = (uint8_t)(rdtsc() * 2654435761u >> (i % 8));
	long r = copy_to_user(strings, sv->buf, sv->bytes);
	if (!r)
		r = copy_to_user(platform, "x86_64", 7);
	if (!r)
		r = copy_to_user(random, rnd, sizeof(rnd));
	if (!r)
		r = copy_to_user(sp, v, words * 8);
	kfree(v);
	*sp_out = sp;
	return r ? -ENOMEM : 0;
}

/* Map the PT_LOAD segments of ip into mm. */
static long map_segments(struct mm *mm, struct inode *ip, const struct elf64_ehdr *eh,
			 const struct elf64_phdr *ph, uint64_t bias, uint64_t *phdr_va)
{
	uint64_t brk = 0;
	*phdr_va = 0;
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *p = &ph[i];
		if (p->type == PT_PHDR)
			*phdr_va = p->vaddr + bias;
		if (p->type != PT_LOAD)
			continue;
		uint64_t va = p->vaddr + bias;
		uint64_t start = va & ~(PAGE_SIZE - 1), end = align_up(va + p->memsz, PAGE_SIZE);
		uint32_t prot = ((p->flags & PF_R) ? PROT_READ : 0) |
				((p->flags & PF_W) ? PROT_WRITE : 0) |
				((p->flags & PF_X) ? PROT_EXEC : 0);
		long r = vma_map(mm, start, end - start, prot, 0, ip, p->offset - (va - start),
				 va + p->filesz);
		if (r)
			return r;
		if (!*phdr_va && p->offset == 0 && eh->phoff < p->filesz)
			*phdr_va = va + eh->phoff;
		if (end > brk)
			brk = end;
	}
	mm->brk_base = mm->brk = brk;
	return vma_map(mm, USER_STACK_TOP - STACK_INIT_BYTES, STACK_INIT_BYTES,
		       PROT_READ | PROT_WRITE, VMA_GROWSDOWN, NULL, 0, 0);
}

/* What /proc/PID/cmdline and exe show (outer/fs/procfs.c): the argv
 * strings of sv (cut at sizeof(p->cmdline) bytes) and ip's absolute path. */
static void set_cmdline(struct proc *p, const struct inode *ip, const struct strv *sv)
{
	size_t n = 0;
	for (uint32_t i = 0; i < sv->argc; i++)
		n += strlen(sv->buf + n) + 1;
	if (n > sizeof(p->cmdline))
		n = sizeof(p->cmdline);
	memcpy(p->cmdline, sv->buf, n);
	p->cmdline_len = (uint16_t)n;
	if (fs_inode_path(ip, p->exe, sizeof(p->exe)) < 0)
		p->exe[0] = 0;
}

/* Replace p's image (p is current) by the ELF file ip. */
static long load_elf(struct proc *p, struct inode *ip, const char *path, const struct strv *sv)
{
	struct exec_elf *x = kmalloc(sizeof(*x));
	if (!x)
		return -ENOMEM;
	uint64_t phdr_va, sp;
	long r = exec_elf_parse(x, read_exact, ip, inode_size(ip));
	struct mm *mm = NULL;
	if (!r) {
		mm = vm_create();
		r = mm ? map_segments(mm, ip, &x->eh, x->ph, x->bias, &phdr_va) : -ENOMEM;
	}
	if (r) {
		if (mm)
			vm_destroy(mm);
		kfree(x);
		return r;
	}
	struct mm *old = p->mm;
	p->mm = mm;
	vm_activate_queued(mm); /* sent with the new L4 by build_stack's first copy */
	r = build_stack(sv, &x->eh, phdr_va, x->bias, p, &sp);
	uint64_t entry = x->eh.entry + x->bias;
	kfree(x);
	if (r) {
		p->mm = old;
		vm_activate(old);
		vm_destroy(mm);
		return r;
	}
	/* committed: the old image is gone */
	if (--old->users == 0)
		vm_destroy(old);
	proc_vfork_release(p);
	for (int fd = 0; fd < NR_OPEN; fd++)
		if ((p->cloexec >> fd) & 1 && p->fd[fd]) {
			if (p->fd[fd]->ip)
				fs_locks_release(p->pid, p->fd[fd]->ip);
			file_put(p->fd[fd]);
			p->fd[fd] = NULL;
		}
	p->cloexec = 0;
	const char *base = path;
	for (const char *c = path; *c; c++)
		if (*c == '/' && c[1])
			base = c + 1;
	memset(p->name, 0, sizeof(p->name));
	for (size_t i = 0; i < sizeof(p->name) - 1 && base[i] && base[i] != '/'; i++)
		p->name[i] = base[i];
	set_cmdline(p, ip, sv);
	struct trap_frame *tf = p->tf;
	memset(tf, 0, sizeof(*tf));
	tf->rip = entry;
	tf->rsp = sp;
	tf->cs = 0x23;
	tf->ss = 0x1b;
	tf->rflags = 0x202;
	/* a clean FPU: FCW 0x37f, MXCSR 0x1f80 (SDM Vol. 1 Table 10-2) */
	memset(p->fpu, 0, 512);
	*(uint16_t *)p->fpu = 0x37f;
	*(uint32_t *)((uint8_t *)p->fpu + 24) = 0x1f80;
	__asm__ volatile("fxrstor64 (%0)" ::"r"(p->fpu) : "memory");
	p->fs_base = 0;
	proc_signal_exec(p);
	return 0;
}

/* Append string s to sv (argv or envp). */
static long strv_add(struct strv *sv, const char *s)
{
	size_t n = strlen(s) + 1;
	if (sv->bytes + n > ARG_MAX_BYTES || sv->argc + sv->envc >= ARG_MAX_COUNT)
		return -E2BIG;
	memcpy(sv->buf + sv->bytes, s, n);
	sv->bytes += (uint32_t)n;
	return 0;
}

/* The common part of execve from user space and the first process:
 * argv and envp already in sv. Follows one "#!" line. */
static long do_exec(struct proc *p, const char *path, struct strv *sv)
{
	struct inode *ip;
	long r = fs_lookup(p->cwd, path, true, &ip);
	if (r)
		return r;
	uint32_t mode = inode_mode(ip);
	if ((mode & S_IFMT) != S_IFREG || !(mode & 0111)) {
		inode_put(ip);
		return -EACCES;
	}
	char line[128];
	long n = inode_read(ip, line, 0, sizeof(line) - 1);
	if (n >= 2 && line[0] == '#' && line[1] == '!') {
		/* #!interp [arg]: run interp [arg] path argv[1..] */
		line[n] = '\0';
		char *e = line + 2;
		while (*e == ' ')
			e++;
		char *interp = e;
		while (*e && *e != ' ' && *e != '\n')
			e++;
		char *arg = NULL;
		if (*e == ' ') {
			*e++ = '\0';
			while (*e == ' ')
				e++;
			arg = e;
			while (*e && *e != '\n')
				e++;
		}
		*e = '\0';
		inode_put(ip);
		if (!*interp)
			return -ENOEXEC;
		struct strv nv = {.buf = kmalloc(ARG_MAX_BYTES)};
		if (!nv.buf)
			return -ENOMEM;
		r = strv_add(&nv, interp);
		if (!r && arg && *arg)
			r = strv_add(&nv, arg);
		if (!r)
			r = strv_add(&nv, path);
		nv.argc = arg && *arg ? 3 : 2;
		const char *c = sv->buf;
		for (uint32_t i = 0; i < sv->argc + sv->envc && !r; i++) {
			size_t len = strlen(c) + 1;
			if (i > 0) {
				r = strv_add(&nv, c);
				if (i < sv->argc)
					nv.argc++;
				else
					nv.envc++;
			}
			c += len;
		}
		if (!r) {
			r = fs_lookup(p->cwd, interp, true, &ip);
			if (!r) {
				mode = inode_mode(ip);
				if ((mode & S_IFMT) != S_IFREG || !(mode & 0111)) {
					inode_put(ip);
					r = -EACCES;
				} else {
					r = load_elf(p, ip, interp, &nv);
					inode_put(ip);
				}
			}
		}
		kfree(nv.buf);
		return r;
	}
	r = load_elf(p, ip, path, sv);
	inode_put(ip);
	return r;
}

long exec_image(struct proc *p, const char *path, const char *const *argv, const char *const *envp)
{
	struct strv sv = {.buf = kmalloc(ARG_MAX_BYTES)};
	if (!sv.buf)
		return -ENOMEM;
	long r = 0;
	for (; *argv && !r; argv++, sv.argc++)
		r = strv_add(&sv, *argv);
	for (; *envp && !r; envp++, sv.envc++)
		r = strv_add(&sv, *envp);
	if (!r)
		r = do_exec(p, path, &sv);
	kfree(sv.buf);
	return r;
}

/* Copy a NULL-terminated user array of strings into sv. */
static long copy_strings(struct strv *sv, uint64_t uarr, uint32_t *count)
{
	if (!uarr)
		return 0;
	for (;;) {
		uint64_t up;
		if (copy_from_user(&up, uarr, sizeof(up)))
			return -EFAULT;
		if (!up)
			return 0;
		if (sv->argc + sv->envc >= ARG_MAX_COUNT || sv->bytes >= ARG_MAX_BYTES)
			return -E2BIG;
		long n = strncpy_from_user(sv->buf + sv->bytes, up, ARG_MAX_BYTES - sv->bytes);
		if (n == -ENAMETOOLONG)
			return -E2BIG;
		if (n < 0)
			return n;
		sv->bytes += (uint32_t)n + 1;
		(*count)++;
		uarr += 8;
	}
}

/* execve(path, argv, envp) */
long sys_execve(const uint64_t *a)
{
	char *path = kmalloc(4096);
	struct strv sv = {.buf = kmalloc(ARG_MAX_BYTES)};
	long r = (!path || !sv.buf) ? -ENOMEM : 0;
	if (!r) {
		r = strncpy_from_user(path, a[0], 4096);
		if (r >= 0)
			r = copy_strings(&sv, a[1], &sv.argc);
		if (r >= 0)
			r = copy_strings(&sv, a[2], &sv.envc);
		if (r >= 0)
			r = do_exec(current, path, &sv);
	}
	kfree(path);
	kfree(sv.buf);
	return r;
}

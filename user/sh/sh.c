/* sh: the small shell of the nested kernel's user space.
 *
 *   sh                interactive on stdin ("$ " prompt when stdin is a tty)
 *   sh -c 'command'   run one command line
 *   sh script [args]  run a file line by line
 *
 * A line is a list of pipelines joined by `;`, `&&` and `||`; a pipeline is
 * commands joined by `|`; a command is words with redirections `< f`, `> f`,
 * `>> f`, `2> f` and `2>&1`, applied left to right. Quoting: '...' is
 * literal, "..." allows \" \\ \$ and $ expansion, \ quotes one character
 * outside quotes. Expansion: $NAME, ${NAME}, $? and $$ (no field splitting,
 * no globbing). `#` starts a comment at the start of a word. Built-ins: cd,
 * exit, pwd, export, help, and NAME=value lines. Programs are searched in
 * $PATH; a missing one prints `sh: foo: not found` (status 127).
 * Interactive on its controlling tty, each pipeline runs in a process group
 * of its own in the tty's foreground (so ^C and ^\ reach it, not the
 * shell); there is no job control beyond that: a pipeline stopped by ^Z
 * is killed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ulib.h"

#define MAX_LINE 4096
#define MAX_TOKS 256
#define MAX_ARGS 128
#define MAX_REDIRS 8
#define MAX_CMDS 16
#define MAX_PIPES 32

enum tok { T_WORD, T_PIPE, T_IN, T_OUT, T_APPEND, T_ERR, T_ERR_OUT, T_SEMI, T_AND, T_OR };

struct token {
	enum tok type;
	char *word;
};

struct redir {
	enum tok type; /* T_IN, T_OUT, T_APPEND, T_ERR, T_ERR_OUT */
	char *path;
};

struct cmd {
	char *argv[MAX_ARGS + 1];
	int argc;
	struct redir redirs[MAX_REDIRS];
	int nredirs;
};

struct pipeline {
	struct cmd cmds[MAX_CMDS];
	int ncmds;
	enum tok joined_by; /* T_SEMI, T_AND or T_OR: how it follows the one before */
};

static int last_status;
static struct pipeline pipes[MAX_PIPES];
static char pool[3 * MAX_LINE];

static void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void err(const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0 && write(2, buf, (size_t)n) < 0)
		return;
}

/* The word being built by the lexer, in the pool. */
struct lexer {
	const char *s;
	char *out, *end;
	int overflow;
};

static void put(struct lexer *lx, char c)
{
	if (lx->out < lx->end)
		*lx->out++ = c;
	else
		lx->overflow = 1;
}

static void put_str(struct lexer *lx, const char *v)
{
	while (v && *v)
		put(lx, *v++);
}

static int is_name_char(char c, int first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (!first && c >= '0' && c <= '9');
}

/* expand - at lx->s pointing after '$': append the value. */
static void expand(struct lexer *lx)
{
	char name[128], num[24];
	size_t n = 0;
	if (*lx->s == '?' || *lx->s == '$') {
		snprintf(num, sizeof(num), "%d", *lx->s == '?' ? last_status : (int)getpid());
		lx->s++;
		put_str(lx, num);
		return;
	}
	int braced = *lx->s == '{';
	if (braced)
		lx->s++;
	while (is_name_char(*lx->s, n == 0) && n < sizeof(name) - 1)
		name[n++] = *lx->s++;
	name[n] = 0;
	if (braced && *lx->s == '}')
		lx->s++;
	if (n == 0 && !braced) {
		put(lx, '$'); /* a lone $ is itself */
		return;
	}
	put_str(lx, getenv(name));
}

/* lex - split line into tokens; words are unquoted and expanded into pool.
 * Returns the number of tokens, or -1 after printing an error. */
static int lex(const char *line, struct token *toks)
{
	struct lexer lx = {line, pool, pool + sizeof(pool) - 1, 0};
	int n = 0;
	for (;;) {
		while (*lx.s == ' ' || *lx.s == '\t' || *lx.s == '\r' || *lx.s == '\n')
			lx.s++;
		if (!*lx.s || *lx.s == '#')
			break;
		if (n == MAX_TOKS) {
			err("sh: line too long\n");
			return -1;
		}
		struct token *t = &toks[n++];
		t->word = NULL;
		char c = *lx.s;
		if (c == '|' || c == '&' || c == ';' || c == '<' || c == '>' ||
		    (c == '2' && lx.s[1] == '>')) {
			if (c == '|')
				t->type = lx.s[1] == '|' ? T_OR : T_PIPE;
			else if (c == '&') {
				if (lx.s[1] != '&') {
					err("sh: background jobs (&) are not supported\n");
					return -1;
				}
				t->type = T_AND;
			} else if (c == ';')
				t->type = T_SEMI;
			else if (c == '<')
				t->type = T_IN;
			else if (c == '>')
				t->type = lx.s[1] == '>' ? T_APPEND : T_OUT;
			else
				t->type = lx.s[2] == '&' && lx.s[3] == '1' ? T_ERR_OUT : T_ERR;
			lx.s += t->type == T_OR || t->type == T_AND || t->type == T_APPEND ||
					t->type == T_ERR
				    ? 2
				: t->type == T_ERR_OUT ? 4
						       : 1;
			continue;
		}
		t->type = T_WORD;
		t->word = lx.out;
		while (*lx.s && !strchr(" \t\r\n|&;<>", *lx.s)) {
			c = *lx.s++;
			if (c == '\'') {
				while (*lx.s && *lx.s != '\'')
					put(&lx, *lx.s++);
				if (!*lx.s) {
					err("sh: unterminated quote\n");
					return -1;
				}
				lx.s++;
			} else if (c == '"') {
				while (*lx.s && *lx.s != '"') {
					c = *lx.s++;
					if (c == '\\' && *lx.s && strchr("\"\\$", *lx.s))
						put(&lx, *lx.s++);
					else if (c == '$')
						expand(&lx);
					else
						put(&lx, c);
				}
				if (!*lx.s) {
					err("sh: unterminated quote\n");
					return -1;
				}
				lx.s++;
			} else if (c == '\\') {
				if (*lx.s)
					put(&lx, *lx.s++);
			} else if (c == '$') {
				expand(&lx);
			} else {
				put(&lx, c);
			}
		}
		put(&lx, 0);
		if (lx.overflow) {
			err("sh: line too long\n");
			return -1;
		}
	}
	return n;
}

static const char *tok_text(enum tok t)
{
	static const char *const text[] = {"word", "|",	   "<", ">",  ">>",
					   "2>",   "2>&1", ";", "&&", "||"};
	return text[t];
}

/* parse - tokens into pipelines; returns how many, or -1 on a syntax error. */
static int parse(struct token *toks, int ntoks)
{
	int np = 0;
	enum tok joined = T_SEMI;
	int i = 0;
	while (i < ntoks) {
		if (np == MAX_PIPES) {
			err("sh: too many commands\n");
			return -1;
		}
		struct pipeline *p = &pipes[np++];
		p->joined_by = joined;
		p->ncmds = 0;
		for (;;) {
			if (p->ncmds == MAX_CMDS) {
				err("sh: pipeline too long\n");
				return -1;
			}
			struct cmd *c = &p->cmds[p->ncmds++];
			c->argc = 0;
			c->nredirs = 0;
			while (i < ntoks && toks[i].type != T_PIPE && toks[i].type != T_SEMI &&
			       toks[i].type != T_AND && toks[i].type != T_OR) {
				struct token *t = &toks[i++];
				if (t->type == T_WORD) {
					if (c->argc == MAX_ARGS) {
						err("sh: too many arguments\n");
						return -1;
					}
					c->argv[c->argc++] = t->word;
					continue;
				}
				if (c->nredirs == MAX_REDIRS) {
					err("sh: too many redirections\n");
					return -1;
				}
				struct redir *r = &c->redirs[c->nredirs++];
				r->type = t->type;
				r->path = NULL;
				if (t->type == T_ERR_OUT)
					continue;
				if (i == ntoks || toks[i].type != T_WORD) {
					err("sh: syntax error: %s needs a file name\n",
					    tok_text(t->type));
					return -1;
				}
				r->path = toks[i++].word;
			}
			c->argv[c->argc] = NULL;
			if (c->argc == 0 && c->nredirs == 0) {
				err("sh: syntax error near '%s'\n",
				    i < ntoks ? tok_text(toks[i].type) : "end of line");
				return -1;
			}
			if (i < ntoks && toks[i].type == T_PIPE) {
				i++;
				if (i == ntoks) {
					err("sh: syntax error: '|' at end of line\n");
					return -1;
				}
				continue;
			}
			break;
		}
		if (i < ntoks) {
			joined = toks[i++].type; /* ; && || */
			if (i == ntoks && joined != T_SEMI) {
				err("sh: syntax error: '%s' at end of line\n", tok_text(joined));
				return -1;
			}
		}
	}
	return np;
}

/* apply_redirs - perform c's redirections in order; 0, or -1 after an error. */
static int apply_redirs(const struct cmd *c)
{
	for (int i = 0; i < c->nredirs; i++) {
		const struct redir *r = &c->redirs[i];
		if (r->type == T_ERR_OUT) {
			if (dup2(1, 2) < 0)
				return -1;
			continue;
		}
		int flags = r->type == T_IN	  ? O_RDONLY
			    : r->type == T_APPEND ? O_WRONLY | O_CREAT | O_APPEND
						  : O_WRONLY | O_CREAT | O_TRUNC;
		int fd = open(r->path, flags, 0644);
		if (fd < 0) {
			err("sh: %s: %s\n", r->path, strerror(errno));
			return -1;
		}
		int target = r->type == T_IN ? 0 : r->type == T_ERR ? 2 : 1;
		if (fd != target) {
			dup2(fd, target);
			close(fd);
		}
	}
	return 0;
}

static int is_assignment(const char *w)
{
	if (!is_name_char(*w, 1))
		return 0;
	while (is_name_char(*w, 0))
		w++;
	return *w == '=';
}

static int set_var(const char *w)
{
	char name[128];
	const char *eq = strchr(w, '=');
	size_t n = (size_t)(eq - w);
	if (n >= sizeof(name))
		return 1;
	memcpy(name, w, n);
	name[n] = 0;
	return setenv(name, eq + 1, 1) ? 1 : 0;
}

/* builtin - run c if it is a built-in; returns its status, or -1 if c is
 * not a built-in. */
static int builtin(const struct cmd *c)
{
	const char *name = c->argv[0];
	if (!strcmp(name, "cd")) {
		const char *dir = c->argc > 1 ? c->argv[1] : getenv("HOME");
		if (!dir || !*dir)
			dir = "/";
		if (chdir(dir)) {
			err("sh: cd: %s: %s\n", dir, strerror(errno));
			return 1;
		}
		return 0;
	}
	if (!strcmp(name, "exit")) {
		fflush(stdout);
		exit(c->argc > 1 ? atoi(c->argv[1]) & 0xff : last_status);
	}
	if (!strcmp(name, "pwd")) {
		char buf[1024];
		if (!getcwd(buf, sizeof(buf))) {
			err("sh: pwd: %s\n", strerror(errno));
			return 1;
		}
		printf("%s\n", buf);
		fflush(stdout);
		return 0;
	}
	if (!strcmp(name, "export")) {
		int st = 0;
		for (int i = 1; i < c->argc; i++)
			if (is_assignment(c->argv[i]))
				st |= set_var(c->argv[i]);
		return st;
	}
	if (!strcmp(name, "help")) {
		printf("built-ins: cd [dir], exit [n], pwd, export NAME=value, NAME=value, help\n"
		       "syntax: a | b | c, < f, > f, >> f, 2> f, 2>&1, ;, &&, ||, '...', \"...\", "
		       "$VAR\n"
		       "programs: ls /bin; `nk help` lists the kernel console commands\n");
		fflush(stdout);
		return 0;
	}
	int all_assign = 1;
	for (int i = 0; i < c->argc; i++)
		all_assign &= is_assignment(c->argv[i]);
	if (all_assign) {
		int st = 0;
		for (int i = 0; i < c->argc; i++)
			st |= set_var(c->argv[i]);
		return st;
	}
	return -1;
}

/* exec_cmd - in a child: execve argv[0], searching $PATH when it has no
 * '/'. Does not return: exits 127 (not found) or 126 (not executable). */
static void exec_cmd(char **argv)
{
	extern char **environ;
	const char *name = argv[0];
	if (strchr(name, '/')) {
		execve(name, argv, environ);
		int e = errno;
		if (e == ENOENT)
			err("sh: %s: not found\n", name);
		else
			err("sh: %s: %s\n", name, strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/sbin";
	int saved = 0;
	char full[1024];
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);
		if (len == 0)
			snprintf(full, sizeof(full), "%s", name);
		else
			snprintf(full, sizeof(full), "%.*s/%s", (int)len, path, name);
		execve(full, argv, environ);
		if (errno != ENOENT && errno != ENOTDIR && !saved)
			saved = errno;
		path += len + (colon ? 1 : 0);
	}
	if (saved) {
		err("sh: %s: %s\n", name, strerror(saved));
		_exit(126);
	}
	err("sh: %s: not found\n", name);
	_exit(127);
}

/* status_of - a wait status as a shell status (128+signal when killed);
 * tells the user about deadly signals other than SIGPIPE. */
static int status_of(int st, const char *name)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);
		if (sig != SIGPIPE)
			err("sh: %s: killed by %s (%s)\n", name, u_signame(sig), u_sigdesc(sig));
		return 128 + sig;
	}
	return 1;
}

/* The tty whose foreground the pipelines get (fd 0), or -1: not
 * interactive on the controlling tty. */
static int job_tty = -1;

/* The signals an interactive shell ignores and its children get back. */
static const int job_sigs[] = {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};

static void job_signals(void (*disp)(int))
{
	for (size_t i = 0; i < sizeof(job_sigs) / sizeof(job_sigs[0]); i++)
		signal(job_sigs[i], disp);
}

static int run_pipeline(struct pipeline *p)
{
	/* a lone built-in runs in the shell itself (cd must) */
	if (p->ncmds == 1 && p->cmds[0].argc > 0) {
		struct cmd *c = &p->cmds[0];
		int saved[3] = {dup(0), dup(1), dup(2)};
		int st = apply_redirs(c) == 0 ? builtin(c) : 1;
		fflush(stdout);
		for (int i = 0; i < 3; i++)
			if (saved[i] >= 0) {
				dup2(saved[i], i);
				close(saved[i]);
			}
		if (st >= 0)
			return st;
	}
	pid_t pids[MAX_CMDS];
	int in = -1, st = 0;
	fflush(stdout);
	for (int i = 0; i < p->ncmds; i++) {
		int fds[2] = {-1, -1};
		if (i + 1 < p->ncmds && pipe(fds)) {
			err("sh: pipe: %s\n", strerror(errno));
			st = 1;
			p->ncmds = i;
			break;
		}
		pids[i] = fork();
		if (pids[i] == 0) {
			if (job_tty >= 0) { /* the pipeline's group, in the foreground */
				setpgid(0, i ? pids[0] : 0);
				if (i == 0)
					tcsetpgrp(job_tty, getpid());
				job_signals(SIG_DFL);
			}
			if (in >= 0) {
				dup2(in, 0);
				close(in);
			}
			if (fds[1] >= 0) {
				dup2(fds[1], 1);
				close(fds[1]);
				close(fds[0]);
			}
			struct cmd *c = &p->cmds[i];
			if (apply_redirs(c))
				_exit(1);
			if (c->argc == 0)
				_exit(0);
			int b = builtin(c);
			if (b >= 0) {
				fflush(stdout);
				_exit(b);
			}
			exec_cmd(c->argv);
		}
		if (pids[i] < 0)
			err("sh: fork: %s\n", strerror(errno));
		else if (job_tty >= 0) { /* as the child does: whoever runs first */
			setpgid(pids[i], pids[0]);
			if (i == 0)
				tcsetpgrp(job_tty, pids[0]);
		}
		if (in >= 0)
			close(in);
		if (fds[1] >= 0)
			close(fds[1]);
		in = fds[0];
	}
	if (in >= 0)
		close(in);
	for (int i = 0; i < p->ncmds; i++) {
		int ws;
		if (pids[i] < 0) {
			st = 1;
			continue;
		}
		const char *name = p->cmds[i].argc ? p->cmds[i].argv[0] : "sh";
		for (;;) {
			if (waitpid(pids[i], &ws, job_tty >= 0 ? WUNTRACED : 0) < 0) {
				if (errno == EINTR)
					continue;
				ws = 1 << 8;
				break;
			}
			if (!WIFSTOPPED(ws))
				break;
			err("sh: %s: stopped; this shell has no job control: killed\n", name);
			kill(pids[i], SIGKILL);
		}
		int s = status_of(ws, name);
		if (i == p->ncmds - 1)
			st = s;
	}
	if (job_tty >= 0)
		tcsetpgrp(job_tty, getpgrp()); /* the shell's again */
	return st;
}

/* split - the end of the command list element starting at s: the first
 * `;`, `&&` or `||` outside quotes, or a comment, or the end. Sets *op to
 * the operator found (T_SEMI at the end) and *next to what follows it. */
static const char *split(const char *s, enum tok *op, const char **next)
{
	int word_start = 1;
	*op = T_SEMI;
	while (*s) {
		char c = *s;
		if (c == '\\') {
			s += s[1] ? 2 : 1;
			word_start = 0;
			continue;
		}
		if (c == '\'' || c == '"') {
			for (s++; *s && *s != c; s++)
				if (c == '"' && *s == '\\' && s[1])
					s++;
			if (*s)
				s++;
			word_start = 0;
			continue;
		}
		if ((c == '#' && word_start) || c == ';' || (c == '&' && s[1] == '&') ||
		    (c == '|' && s[1] == '|')) {
			*op = c == '&' ? T_AND : c == '|' ? T_OR : T_SEMI;
			*next = c == '#' ? s + strlen(s) : s + (c == ';' ? 1 : 2);
			return s;
		}
		word_start = strchr(" \t\r\n|&;<>", c) != NULL;
		s++;
	}
	*next = s;
	return s;
}

/* run_line - check the whole line's syntax, then lex (expand) and run one
 * pipeline at a time, so `X=1; echo $X` and `false; echo $?` see the effect
 * of what ran before. Sets last_status. */
static void run_line(const char *line)
{
	static struct token toks[MAX_TOKS];
	static char seg[MAX_LINE * 2];
	int n = lex(line, toks);
	if (n < 0 || parse(toks, n) < 0) {
		last_status = 2;
		return;
	}
	enum tok joined = T_SEMI;
	const char *s = line;
	while (*s) {
		enum tok op;
		const char *next;
		const char *end = split(s, &op, &next);
		size_t len = (size_t)(end - s);
		if (len >= sizeof(seg))
			len = sizeof(seg) - 1;
		memcpy(seg, s, len);
		seg[len] = 0;
		s = next;
		int skip =
		    (joined == T_AND && last_status != 0) || (joined == T_OR && last_status == 0);
		joined = op;
		if (skip)
			continue;
		n = lex(seg, toks);
		int np = n < 0 ? -1 : parse(toks, n);
		if (np < 0) {
			last_status = 2;
			return;
		}
		if (np > 0)
			last_status = run_pipeline(&pipes[0]);
	}
}

/* run_text - run every line of a buffer. */
static void run_text(char *text)
{
	while (text && *text) {
		char *nl = strchr(text, '\n');
		if (nl)
			*nl = 0;
		run_line(text);
		text = nl ? nl + 1 : NULL;
	}
}

static int run_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		err("sh: %s: %s\n", path, strerror(errno));
		return 127;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	long r;
	while (buf && (r = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)r;
		if (len + 1 == cap) {
			char *more = realloc(buf, cap * 2);
			if (!more)
				break;
			buf = more;
			cap *= 2;
		}
	}
	close(fd);
	if (!buf)
		return 1;
	buf[len] = 0;
	run_text(buf);
	free(buf);
	return last_status;
}

/* interactive - read stdin line by line; prompt when it is a terminal. */
static int interactive(void)
{
	static char buf[MAX_LINE + 1];
	size_t len = 0;
	int tty = isatty(0);
	if (tty && tcgetpgrp(0) == getpgrp()) {
		job_tty = 0;
		job_signals(SIG_IGN);
	}
	for (;;) {
		char *nl;
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			*nl = 0;
			run_line(buf);
			size_t used = (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len - used);
			len -= used;
		}
		if (len == MAX_LINE) {
			err("sh: line too long\n");
			len = 0;
		}
		if (tty) {
			fflush(stdout);
			if (write(2, "$ ", 2) < 0)
				return last_status;
		}
		long r = read(0, buf + len, MAX_LINE - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (len) { /* a last line without a newline */
				buf[len] = 0;
				run_line(buf);
			}
			if (tty && write(2, "\n", 1) < 0)
				return last_status;
			return last_status;
		}
		len += (size_t)r;
	}
}

int main(int argc, char **argv)
{
	if (!getenv("PATH"))
		setenv("PATH", "/bin:/sbin", 1);
	if (argc > 1 && !strcmp(argv[1], "-c")) {
		if (argc < 3) {
			err("sh: -c needs a command\n");
			return 2;
		}
		static char line[MAX_LINE * 2];
		snprintf(line, sizeof(line), "%s", argv[2]);
		run_text(line);
		fflush(stdout);
		return last_status;
	}
	if (argc > 1)
		return run_file(argv[1]);
	return interactive();
}

/* /bench/macro/db PATH ROWS [EXPECT]: the "database" macro workload
 * (issue 18, ../shared/spec/bench.md's macro row). Linked against Debian's
 * SQLite static library (libsqlite3-dev; gcc -static, glibc). It creates
 * the database file PATH (removed first and at the end, with its journal),
 * inserts ROWS rows of pseudo-random data (xorshift64, fixed seed) in
 * transactions of 1000, indexes them, runs range, point and grouped
 * queries, updates and deletes a share of the rows in one transaction, and
 * folds every query result into a 64-bit FNV-1a checksum. It prints
 *
 *   db: rows=ROWS checksum=XXXXXXXXXXXXXXXX
 *
 * and, with EXPECT (a file holding the line the same program printed on
 * the build host, user/user.mk), exits 0 only if the two lines are equal,
 * so a run that did the wrong work fails. Exit status: 0 done (and equal),
 * 1 a SQLite or file error (printed), 2 a checksum mismatch, 3 usage.
 *
 * SQLite's "unix-none" VFS (https://sqlite.org/vfs.html): no POSIX advisory
 * locks, as the program is the database's only user. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

static sqlite3 *db;
static uint64_t sum = 0xcbf29ce484222325ull; /* FNV-1a offset basis */
static uint64_t rng = 0x9e3779b97f4a7c15ull; /* xorshift64 state: the fixed seed */

/* next - xorshift64 (Marsaglia 2003): the next pseudo-random word. */
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* fold - add n bytes at p to the FNV-1a checksum (64-bit prime). */
static void fold(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		sum = (sum ^ b[i]) * 0x100000001b3ull;
}

/* die - print SQLite's message for what failed and exit 1. */
static void die(const char *what)
{
	printf("db: %s: %s\n", what, db ? sqlite3_errmsg(db) : "no database");
	exit(1);
}

/* exec - run SQL that returns no rows; exits on error. */
static void exec(const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		printf("db: %s: %s\n", sql, err ? err : "?");
		exit(1);
	}
}

/* prepare - compile sql; exits on error. */
static sqlite3_stmt *prepare(const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die(sql);
	return st;
}

/* drain - step st to its end, folding every column of every row (as
 * text) into the checksum; resets st. Returns the number of rows. */
static long drain(sqlite3_stmt *st)
{
	long rows = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const unsigned char *t = sqlite3_column_text(st, c);
			fold(t ? (const void *)t : "NULL", t ? strlen((const char *)t) : 4);
			fold("|", 1);
		}
		rows++;
	}
	if (r != SQLITE_DONE)
		die("step");
	sqlite3_reset(st);
	return rows;
}

/* word - a pseudo-random lower-case word of 4..11 letters into buf. */
static void word(char *buf)
{
	uint64_t x = next();
	int n = 4 + (int)(x % 8);
	for (int i = 0; i < n; i++, x >>= 5)
		buf[i] = (char)('a' + (x & 31) % 26);
	buf[n] = 0;
}

/* drop_files - unlink the database file path and its rollback journal
 * (PATH-journal, https://sqlite.org/tempfiles.html); either may be absent. */
static void drop_files(const char *path)
{
	char j[4096];
	snprintf(j, sizeof(j), "%s-journal", path);
	unlink(path);
	unlink(j);
}

/* load - create table t, insert rows rows in transactions of 1000, then
 * index k and (grp, name). */
static void load(long rows)
{
	exec("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, grp INTEGER NOT NULL, "
	     "name TEXT NOT NULL, v INTEGER NOT NULL)");
	sqlite3_stmt *ins = prepare("INSERT INTO t(k, grp, name, v) VALUES (?, ?, ?, ?)");
	for (long i = 0; i < rows; i++) {
		char name[16];
		if (i % 1000 == 0)
			exec("BEGIN");
		word(name);
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)(next() % 1000000));
		sqlite3_bind_int64(ins, 2, (sqlite3_int64)(next() % 97));
		sqlite3_bind_text(ins, 3, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 4, (sqlite3_int64)(next() % 100000) - 50000);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die("insert");
		sqlite3_reset(ins);
		if (i % 1000 == 999 || i == rows - 1)
			exec("COMMIT");
	}
	sqlite3_finalize(ins);
	exec("CREATE INDEX t_k ON t(k)");
	exec("CREATE INDEX t_grp_name ON t(grp, name)");
}

/* query - 200 range counts over k, 500 point lookups by k, one GROUP BY,
 * 200 prefix counts over (grp, name): every result folded in. */
static void query(void)
{
	sqlite3_stmt *range =
	    prepare("SELECT count(*), sum(v), min(name), max(id) FROM t WHERE k BETWEEN ? AND ?");
	for (int i = 0; i < 200; i++) {
		sqlite3_int64 lo = (sqlite3_int64)(next() % 1000000);
		sqlite3_bind_int64(range, 1, lo);
		sqlite3_bind_int64(range, 2, lo + 5000);
		drain(range);
	}
	sqlite3_finalize(range);
	sqlite3_stmt *point = prepare("SELECT id, name, v FROM t WHERE k = ? ORDER BY id");
	for (int i = 0; i < 500; i++) {
		sqlite3_bind_int64(point, 1, (sqlite3_int64)(next() % 1000000));
		drain(point);
	}
	sqlite3_finalize(point);
	sqlite3_stmt *grp = prepare("SELECT grp, count(*), sum(v), max(name) FROM t GROUP BY grp "
				    "ORDER BY grp");
	drain(grp);
	sqlite3_finalize(grp);
	sqlite3_stmt *pre =
	    prepare("SELECT count(*) FROM t WHERE grp = ? AND name >= ? AND name < ?");
	for (int i = 0; i < 200; i++) {
		char a[16];
		word(a);
		char b[16] = {a[0], (char)(a[1] + 1), 0};
		sqlite3_bind_int64(pre, 1, (sqlite3_int64)(next() % 97));
		sqlite3_bind_text(pre, 2, a, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(pre, 3, b, -1, SQLITE_TRANSIENT);
		drain(pre);
	}
	sqlite3_finalize(pre);
}

/* modify - one transaction updating every 13th row and deleting those
 * with k % 17 == 3; then a whole-table aggregate and PRAGMA
 * integrity_check ("ok"), folded in. */
static void modify(void)
{
	exec("BEGIN");
	exec("UPDATE t SET v = v + 7, name = name || 'x' WHERE id % 13 = 5");
	exec("DELETE FROM t WHERE k % 17 = 3");
	exec("COMMIT");
	sqlite3_stmt *all = prepare("SELECT count(*), sum(v), sum(k), max(name) FROM t");
	drain(all);
	sqlite3_finalize(all);
	sqlite3_stmt *check = prepare("PRAGMA integrity_check");
	drain(check);
	sqlite3_finalize(check);
}

/* expect_ok - whether the file at path holds exactly the line line. */
static int expect_ok(const char *path, const char *line)
{
	char buf[128] = {0};
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 0;
	}
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return !strcmp(buf, line);
}

int main(int argc, char **argv)
{
	if (argc < 3 || atol(argv[2]) < 1) {
		fprintf(stderr, "usage: db PATH ROWS [EXPECT]\n");
		return 3;
	}
	const char *path = argv[1];
	long rows = atol(argv[2]);
	drop_files(path);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "unix-none") !=
	    SQLITE_OK)
		die(path);
	load(rows);
	query();
	modify();
	if (sqlite3_close(db) != SQLITE_OK)
		die("close");
	db = NULL;
	drop_files(path);
	char line[128];
	snprintf(line, sizeof(line), "db: rows=%ld checksum=%016llx\n", rows,
		 (unsigned long long)sum);
	fputs(line, stdout);
	if (argc > 3 && !expect_ok(argv[3], line)) {
		printf("db: checksum differs from %s\n", argv[3]);
		return 2;
	}
	return 0;
}

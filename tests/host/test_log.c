/* Host tests of nk's log and exits (nk/log.c) against the fake UART,
 * isa-debug-exit port and fw_cfg device (tests/host/fake_arch.c): what nk
 * prints and how (CR LF, polling the UART, never hanging on it), how it
 * stops the machine, and its reader of fw_cfg files (the kernel command
 * line's second source) on good, missing, oversized and odd directories.
 * Source: QEMU docs/specs/fw_cfg.txt; 16550 LSR. */
#include <stdio.h>

#include "machine.h"

struct call {
	const char *file;
	int line;
	const char *why;
};

static void panic_fn(void *arg)
{
	const struct call *c = arg;
	nk_panic(c->file, c->line, c->why);
}

static void fault_fn(void *arg)
{
	(void)arg;
	nk_fault_in_nk(14, 0xffffffff80101234ull, 0xdead);
}

static void exit_fn(void *arg)
{
	nk_exit_qemu(*(const uint8_t *)arg);
}

TEST(printf_formats_and_sends_crlf)
{
	nk_printf("frames %lu, %s at %x\n", 4096ul, "tables", 0x1000u);
	assert_string_equal(fake_serial, "frames 4096, tables at 1000\r\n");
	nk_printf("\n\n");
	assert_string_equal(fake_serial + strlen("frames 4096, tables at 1000\r\n"), "\r\n\r\n");
}

TEST(printf_sends_at_most_255_bytes_per_call)
{
	char s[400];
	memset(s, 'z', sizeof(s) - 1);
	s[sizeof(s) - 1] = 0;
	nk_printf("%s", s);
	assert_int_equal(fake_serial_len, 255);
	assert_int_equal(strspn(fake_serial, "z"), 255);
}

TEST(putc_waits_for_the_uart)
{
	fake_cpu.uart_busy_polls = 5;
	nk_printf("ab");
	/* 'a': five busy reads, then one that finds THR empty; 'b': one */
	assert_int_equal(fake_cpu.lsr_reads, 7);
	assert_string_equal(fake_serial, "ab");
}

TEST(putc_gives_up_on_a_stuck_uart)
{
	/* a UART that never empties costs 100000 polls per byte, not a hang */
	fake_cpu.uart_busy_polls = 1000000;
	nk_printf("x");
	assert_int_equal(fake_cpu.lsr_reads, 100000);
	assert_string_equal(fake_serial, "x");
}

TEST(exit_qemu_writes_the_code_and_halts)
{
	uint8_t code = 0x33;
	assert_int_equal(mx_run(exit_fn, &code), MX_HALTED);
	assert_true(fake_cpu.exited);
	assert_int_equal(fake_cpu.exit_code, 0x33);
	assert_int_equal(fake_cpu.halts, 1);
	assert_int_equal(fake_serial_len, 0);
}

TEST(panic_names_file_line_and_reason)
{
	struct call c = {"nk/vmmu.c", 123, "batch index past the end"};
	assert_int_equal(mx_run(panic_fn, &c), MX_HALTED);
	assert_string_equal(fake_serial,
			    "\r\nnk: PANIC at nk/vmmu.c:123: batch index past the end\r\n");
	assert_int_equal(fake_cpu.exit_code, 0x7f);
}

static void check_fn(void *arg)
{
	const int *x = arg;
	NK_CHECK(*x == 2);
}

TEST(check_macro_panics_only_when_false)
{
	int x = 2;
	assert_int_equal(mx_run(check_fn, &x), MX_RETURNED);
	assert_int_equal(fake_serial_len, 0);
	x = 3;
	assert_int_equal(mx_run(check_fn, &x), MX_HALTED);
	assert_true(mx_serial_has("nk: PANIC at tests/host/test_log.c:"));
	assert_true(mx_serial_has(": *x == 2\n"));
}

TEST(fault_in_nk_names_vector_rip_and_cr2)
{
	assert_int_equal(mx_run(fault_fn, NULL), MX_HALTED);
	assert_string_equal(fake_serial, "\r\nnk: PANIC: exception 14 in nk at RIP "
					 "ffffffff80101234 (CR2 dead)\r\n");
	assert_int_equal(fake_cpu.exit_code, 0x7f);
}

/* ---- fw_cfg ---- */

TEST(fwcfg_reads_a_file_by_name)
{
	mx_fwcfg("etc/boot-menu-wait", "1000");
	mx_fwcfg("opt/nk/cmdline", "utest=1 nk.audit=0");
	mx_fwcfg("opt/nk/cmdline2", "wrong");
	char buf[64];
	memset(buf, 0x55, sizeof(buf));
	assert_int_equal(nk_fwcfg_read("opt/nk/cmdline", buf, sizeof(buf)), 18);
	assert_string_equal(buf, "utest=1 nk.audit=0");
	assert_int_equal(nk_fwcfg_read("opt/nk/cmdline2", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "wrong");
	assert_int_equal(nk_fwcfg_read("etc/boot-menu-wait", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "1000");
}

TEST(fwcfg_names_must_match_whole)
{
	mx_fwcfg("opt/nk/cmdline", "x");
	char buf[16] = "untouched";
	assert_int_equal(nk_fwcfg_read("opt/nk/cmd", buf, sizeof(buf)), -1); /* the file's prefix */
	assert_int_equal(nk_fwcfg_read("opt/nk/cmdline!", buf, sizeof(buf)), -1); /* longer */
	assert_int_equal(nk_fwcfg_read("OPT/nk/cmdline", buf, sizeof(buf)), -1);
	assert_int_equal(nk_fwcfg_read("", buf, sizeof(buf)), -1);
	assert_string_equal(buf, "untouched");
}

TEST(fwcfg_reads_the_longest_name)
{
	char name[56];
	memset(name, 'n', 55);
	name[55] = 0;
	mx_fwcfg(name, "long");
	char buf[8];
	assert_int_equal(nk_fwcfg_read(name, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "long");
	/* a longer request cannot name any file */
	char longer[60];
	memset(longer, 'n', 59);
	longer[59] = 0;
	assert_int_equal(nk_fwcfg_read(longer, buf, sizeof(buf)), -1);
}

TEST(fwcfg_cuts_a_file_to_the_buffer)
{
	mx_fwcfg("opt/nk/cmdline", "0123456789");
	char buf[8];
	assert_int_equal(nk_fwcfg_read("opt/nk/cmdline", buf, sizeof(buf)), 7);
	assert_string_equal(buf, "0123456");
	char one[1] = {'q'};
	assert_int_equal(nk_fwcfg_read("opt/nk/cmdline", one, 1), 0);
	assert_int_equal(one[0], 0);
	char big[11];
	assert_int_equal(nk_fwcfg_read("opt/nk/cmdline", big, sizeof(big)), 10);
	assert_string_equal(big, "0123456789");
}

TEST(fwcfg_with_no_room_reads_nothing)
{
	mx_fwcfg("opt/nk/cmdline", "x");
	char c = 'q';
	assert_int_equal(nk_fwcfg_read("opt/nk/cmdline", &c, 0), -1);
	assert_int_equal(c, 'q');
	assert_int_equal(fake_cpu.fwcfg_reads, 0);
}

TEST(fwcfg_empty_file)
{
	mx_fwcfg("opt/nk/cmdline", "");
	char buf[4] = "abc";
	assert_int_equal(nk_fwcfg_read("opt/nk/cmdline", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

TEST(fwcfg_absent_device)
{
	fake_cpu.fwcfg_absent = true;
	mx_fwcfg("opt/nk/cmdline", "x");
	char buf[4];
	assert_int_equal(nk_fwcfg_read("opt/nk/cmdline", buf, sizeof(buf)), -1);
	assert_int_equal(fake_cpu.fwcfg_reads, 1); /* the first signature byte */
	assert_int_equal(fake_cpu.fwcfg_sel, 0);   /* the directory was never selected */
}

TEST(fwcfg_needs_the_whole_signature)
{
	mx_fwcfg("opt/nk/cmdline", "x");
	const char *sigs[] = {"XEMU", "QXMU", "QEXU", "QEMX"};
	char buf[4];
	for (int i = 0; i < 4; i++) {
		fake_cpu.fwcfg_signature = sigs[i];
		fake_cpu.fwcfg_reads = 0;
		assert_int_equal(nk_fwcfg_read("opt/nk/cmdline", buf, sizeof(buf)), -1);
		assert_int_equal(fake_cpu.fwcfg_reads, i + 1); /* up to the first wrong byte */
	}
	fake_cpu.fwcfg_signature = "QEMU";
	assert_int_equal(nk_fwcfg_read("opt/nk/cmdline", buf, sizeof(buf)), 1);
}

TEST(fwcfg_empty_directory)
{
	char buf[4];
	assert_int_equal(nk_fwcfg_read("opt/nk/cmdline", buf, sizeof(buf)), -1);
	assert_int_equal(fake_cpu.fwcfg_reads, 4 + 4);
}

TEST(fwcfg_reads_at_most_4096_directory_entries)
{
	/* a directory claiming 100000 files, none the one asked for */
	mx_fwcfg("opt/other", "x");
	fake_cpu.fwcfg_dir_count = 100000;
	char buf[4];
	assert_int_equal(nk_fwcfg_read("opt/nk/cmdline", buf, sizeof(buf)), -1);
	assert_int_equal(fake_cpu.fwcfg_reads, 4 + 4 + 4096 * 64);
}

/* ---- fw_cfg DMA (spec I11) ---- */

TEST(fwcfg_dma_bit_of_the_id_item)
{
	fake_cpu.fwcfg_id = 0x1; /* traditional interface only: -global fw_cfg_io.dma_enabled=off */
	assert_false(nk_fwcfg_dma_present());
	assert_int_equal(fake_cpu.fwcfg_sel, 0x0001);
	assert_int_equal(fake_cpu.fwcfg_reads, 4 + 4); /* signature, then the le32 ID */
	fake_cpu.fwcfg_id = 0x3;		       /* QEMU's default: DMA advertised */
	assert_true(nk_fwcfg_dma_present());
	fake_cpu.fwcfg_id = 0x2;
	assert_true(nk_fwcfg_dma_present());
	fake_cpu.fwcfg_id = 0xfffffffd; /* every bit but DMA */
	assert_false(nk_fwcfg_dma_present());
}

TEST(fwcfg_dma_absent_without_the_device)
{
	/* a missing device reads 0xff everywhere, the ID's DMA bit too */
	fake_cpu.fwcfg_absent = true;
	fake_cpu.fwcfg_id = 0x3;
	assert_false(nk_fwcfg_dma_present());
	assert_int_equal(fake_cpu.fwcfg_sel, 0); /* the ID was never selected */
	fake_cpu.fwcfg_absent = false;
	fake_cpu.fwcfg_signature = "QEMX";
	assert_false(nk_fwcfg_dma_present());
}

TEST(fwcfg_read_after_the_dma_check)
{
	fake_cpu.fwcfg_id = 0x3;
	mx_fwcfg("opt/nk/cmdline", "utest=1");
	assert_true(nk_fwcfg_dma_present());
	char buf[16];
	assert_int_equal(nk_fwcfg_read("opt/nk/cmdline", buf, sizeof(buf)), 7);
	assert_string_equal(buf, "utest=1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    MX_FRESH(printf_formats_and_sends_crlf),
	    MX_FRESH(printf_sends_at_most_255_bytes_per_call),
	    MX_FRESH(putc_waits_for_the_uart),
	    MX_FRESH(putc_gives_up_on_a_stuck_uart),
	    MX_FRESH(exit_qemu_writes_the_code_and_halts),
	    MX_FRESH(panic_names_file_line_and_reason),
	    MX_FRESH(check_macro_panics_only_when_false),
	    MX_FRESH(fault_in_nk_names_vector_rip_and_cr2),
	    MX_FRESH(fwcfg_reads_a_file_by_name),
	    MX_FRESH(fwcfg_names_must_match_whole),
	    MX_FRESH(fwcfg_reads_the_longest_name),
	    MX_FRESH(fwcfg_cuts_a_file_to_the_buffer),
	    MX_FRESH(fwcfg_with_no_room_reads_nothing),
	    MX_FRESH(fwcfg_empty_file),
	    MX_FRESH(fwcfg_absent_device),
	    MX_FRESH(fwcfg_needs_the_whole_signature),
	    MX_FRESH(fwcfg_empty_directory),
	    MX_FRESH(fwcfg_reads_at_most_4096_directory_entries),
	    MX_FRESH(fwcfg_dma_bit_of_the_id_item),
	    MX_FRESH(fwcfg_dma_absent_without_the_device),
	    MX_FRESH(fwcfg_read_after_the_dma_check),
	};
	return cmocka_run_group_tests_name("log: console, exits, fw_cfg", tests, NULL, NULL);
}

/* Host tests of lib/i5.c's naming and scan edges (the matcher's opcode
 * cases are in tests/scanner/unit.c). lib/i5.c is linked into every host
 * test (nk's module loader scans with it). Spec I5. */
#include "fixture.h"
#include <x86/i5.h>

TEST(i5_every_kind_has_its_name)
{
	static const struct {
		enum i5_kind k;
		const char *name;
	} names[] = {
	    {I5_NONE, "none"},		{I5_MOV_CR0, "MOV to CR0"},
	    {I5_MOV_CR3, "MOV to CR3"}, {I5_MOV_CR4, "MOV to CR4"},
	    {I5_MOV_DR, "MOV to DRn"},	{I5_WRMSR, "WRMSR"},
	    {I5_LGDT, "LGDT"},		{I5_LIDT, "LIDT"},
	    {I5_LLDT, "LLDT"},		{I5_LTR, "LTR"},
	    {I5_LMSW, "LMSW"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(i5_kind_name(names[i].k), names[i].name);
	assert_string_equal(i5_kind_name((enum i5_kind)99), "unknown");
}

TEST(i5_scan_edges)
{
	const uint8_t buf[] = {0x90, 0x0f, 0x30, 0x90, 0x0f, 0x22, 0xd8};
	enum i5_kind k = I5_LTR;
	assert_int_equal(i5_scan(buf, sizeof(buf), 0, &k), 1);
	assert_int_equal(k, I5_WRMSR);
	assert_int_equal(i5_scan(buf, sizeof(buf), 2, NULL), 4); /* kind may be NULL */
	assert_int_equal(i5_scan(buf, sizeof(buf), 5, &k), sizeof(buf));
	assert_int_equal(k, I5_NONE);
	assert_int_equal(i5_scan(buf, sizeof(buf), 100, &k), sizeof(buf)); /* start past the end */
	assert_int_equal(k, I5_NONE);
	assert_int_equal(i5_match(buf, sizeof(buf), sizeof(buf)), I5_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(i5_every_kind_has_its_name),
	    cmocka_unit_test(i5_scan_edges),
	};
	return cmocka_run_group_tests_name("i5: names and scan edges", tests, NULL, NULL);
}

/* Module text: nk_promote_code turns DATA frames that hold a loaded
 * module's text into CODE frames once no writable alias remains and the
 * I5 scan finds no forbidden encoding; nk_demote_code turns them back once
 * they are mapped nowhere. Decode (validate + scan) changes nothing;
 * perform cannot fail.
 * Source: spec 3 (I2, I4, I5), 4, 5; paper 4.3 (code integrity and
 * de-privileging of loaded code). */
#include "nk.h"
#include <x86/i5.h>

/* Copy the caller's frame list into nk memory (no later outer change
 * counts) and check its shape. Returns 0 or -NK_EBATCH / -NK_EFAULT. */
static long copy_in(const paddr_t *frames, size_t count)
{
	if (!frames || count == 0 || count > NK_CODE_MAX)
		return -NK_EBATCH;
	if (!arch_kernel_readable(frames, count * sizeof(*frames)))
		return -NK_EFAULT;
	nk_memcpy(nk.code_frames, frames, count * sizeof(*frames));
	return 0;
}

/* Frame i of the copied list: RAM, aligned, not repeated. O(count^2) with
 * count <= NK_CODE_MAX. */
static long frame_shape(size_t i)
{
	long r = nk_frame_ok(nk.code_frames[i]);
	if (r)
		return r;
	for (size_t j = 0; j < i; j++)
		if (pa_addr(nk.code_frames[j]) == pa_addr(nk.code_frames[i]))
			return -NK_EDUP;
	return 0;
}

/* The byte at offset off of the text (frames in list order). */
static uint8_t text_byte(size_t count, uint64_t off)
{
	(void)count;
	const uint8_t *p = arch_pa_va(nk.code_frames[off / PAGE_SIZE]);
	return p[off % PAGE_SIZE];
}

/* Scan every byte offset of the text (count frames, in order) for an I5
 * encoding, across frame boundaries; then each frame's tail for the start
 * of one. Returns 0, or -NK_EI5 after printing the offset and kind. */
static long scan_text(size_t count)
{
	uint64_t len = (uint64_t)count * PAGE_SIZE;
	for (size_t i = 0; i < count; i++) {
		const uint8_t *p = arch_pa_va(nk.code_frames[i]);
		enum i5_kind k;
		/* inside the frame: i5_match never reads past PAGE_SIZE */
		size_t off = i5_scan(p, PAGE_SIZE, 0, &k);
		if (k != I5_NONE) {
			nk_printf("nk: promote_code: %s at text offset %#lx: refused (I5)\n",
				  i5_kind_name(k), (unsigned long)(i * PAGE_SIZE + off));
			return -NK_EI5;
		}
		/* the last two offsets with the next frame's first bytes */
		for (uint64_t o = (uint64_t)i * PAGE_SIZE + PAGE_SIZE - 2;
		     o < (uint64_t)(i + 1) * PAGE_SIZE; o++) {
			uint8_t w[3];
			size_t n = 0;
			for (uint64_t q = o; q < o + 3 && q < len; q++)
				w[n++] = text_byte(count, q);
			k = i5_match(w, n, 0);
			if (k != I5_NONE) {
				nk_printf("nk: promote_code: %s at text offset %#lx (across a "
					  "frame boundary): "
					  "refused (I5)\n",
					  i5_kind_name(k), (unsigned long)o);
				return -NK_EI5;
			}
		}
		/* a tail another CODE frame could complete if mapped after it */
		bool open1 = p[PAGE_SIZE - 1] == 0x0f;
		uint8_t b = p[PAGE_SIZE - 1];
		bool open2 =
		    p[PAGE_SIZE - 2] == 0x0f && (b == 0x00 || b == 0x01 || b == 0x22 || b == 0x23);
		if (open1 || open2) {
			nk_printf("nk: promote_code: frame %lu ends with the start of a 0F "
				  "encoding at text "
				  "offset %#lx: refused (I5; pad the text)\n",
				  (unsigned long)i,
				  (unsigned long)(i * PAGE_SIZE + PAGE_SIZE - (open1 ? 1 : 2)));
			return -NK_EI5;
		}
	}
	return 0;
}

/* decode_promote: nk_promote_code's preconditions, one test each: the
 * list copied in (copy_in); each frame RAM, aligned, not repeated
 * (frame_shape), DATA, mapped writable nowhere and under no huge mapping
 * (nk_frame_retypable). Changes nothing but nk's copy of the list. The
 * I5 scan comes after it (nk_promote_code_impl). */
static long decode_promote(const paddr_t *frames, size_t count)
{
	long r = copy_in(frames, count);
	if (r)
		return r;
	for (size_t i = 0; i < count; i++) {
		r = frame_shape(i);
		if (r)
			return r;
		r = nk_frame_retypable(pa_pfn(nk.code_frames[i]));
		if (r)
			return r;
	}
	return 0;
}

/* Devices lose (grant false) or get back (true) the copied list's frames,
 * and a revocation is waited for (I11). */
static void device_access(size_t count, bool grant)
{
	for (size_t i = 0; i < count; i++)
		nk_iommu_set_frame(pa_pfn(nk.code_frames[i]), grant);
	nk_iommu_sync();
}

/* CPUs lose (grant false) or get back (true) their one writable alias of
 * the copied list's frames, the direct map's (decode found no other):
 * a revocation is shot down from every CPU before it is relied on (I10). */
static void cpu_access(size_t count, bool grant)
{
	for (size_t i = 0; i < count; i++) {
		uint64_t pfn = pa_pfn(nk.code_frames[i]);
		nk_dm_set_writable(pfn, grant);
		if (grant) /* writable DATA now, also a frame kept read-only before */
			nk.frames[pfn].flags &= (uint8_t)~NK_FF_DMRO;
	}
	if (!grant)
		nk_shoot(NK_ROOT_ALL);
}

/* perform_promote: what decode_promote allowed for the copied list of
 * count frames, already read-only everywhere (cpu_access); cannot fail:
 * each frame CODE, marked as module text. */
static void perform_promote(size_t count)
{
	for (size_t i = 0; i < count; i++) {
		uint64_t pfn = pa_pfn(nk.code_frames[i]);
		NK_CHECK(nk.frames[pfn].type == NK_F_DATA && nk.frames[pfn].wcount == 0);
		nk_set_type(pfn, NK_F_CODE);
		nk.frames[pfn].flags = NK_FF_MODTEXT;
	}
}

/* The scan is the one check made after a change of state: another CPU
 * or a device could write the frames between the scan and the retype. So
 * devices and CPUs lose them first (the IOTLB invalidated, the direct map
 * read-only and shot down), and get them back when the scan refuses the
 * text. */
long nk_promote_code_impl(const paddr_t *frames, size_t count)
{
	long r = decode_promote(frames, count);
	if (r == 0) {
		device_access(count, false);
		cpu_access(count, false);
		r = scan_text(count);
		if (r) {
			cpu_access(count, true);
			device_access(count, true);
		} else
			perform_promote(count);
	}
	return nk_count(NK_CALL_PROMOTE_CODE, r);
}

/* decode_demote: nk_demote_code's preconditions, one test each: the list
 * copied in; each frame RAM, aligned, not repeated; CODE (NK_ETYPE);
 * module text, not the kernel's own (NK_EPINNED); mapped nowhere
 * (NK_EMAPPED). Changes nothing but nk's copy of the list. */
static long decode_demote(const paddr_t *frames, size_t count)
{
	long r = copy_in(frames, count);
	if (r)
		return r;
	for (size_t i = 0; i < count; i++) {
		r = frame_shape(i);
		if (r)
			return r;
		const struct nk_frame *f = &nk.frames[pa_pfn(nk.code_frames[i])];
		if (f->type != NK_F_CODE)
			return -NK_ETYPE;
		if (!(f->flags & NK_FF_MODTEXT))
			return -NK_EPINNED;
		if (f->maps)
			return -NK_EMAPPED;
	}
	return 0;
}

/* perform_demote: what decode_demote allowed; cannot fail: each frame
 * DATA again and writable in the direct map. */
static void perform_demote(size_t count)
{
	for (size_t i = 0; i < count; i++) {
		uint64_t pfn = pa_pfn(nk.code_frames[i]);
		NK_CHECK(nk.frames[pfn].type == NK_F_CODE && nk.frames[pfn].maps == 0);
		nk.frames[pfn].flags = 0;
		nk_set_type(pfn, NK_F_DATA);
		nk_dm_set_writable(pfn, true);
	}
	nk_iommu_sync(); /* a unit in caching mode caches the absent entries */
}

long nk_demote_code_impl(const paddr_t *frames, size_t count)
{
	long r = decode_demote(frames, count);
	if (r == 0)
		perform_demote(count);
	return nk_count(NK_CALL_DEMOTE_CODE, r);
}

/* The CMOS real-time clock (MC146818-compatible, ports 0x70/0x71): read
 * once at boot to start the wall clock. Source: Motorola MC146818A data
 * sheet (registers 0x00-0x09, status registers A and B); OSDev "CMOS";
 * QEMU hw/rtc/mc146818rtc.c (-rtc base=utc by default, century at 0x32). */
#include <outer/kernel.h>
#include <outer/drivers.h>

#define CMOS_ADDR 0x70
#define CMOS_DATA 0x71
#define RTC_SEC 0x00
#define RTC_MIN 0x02
#define RTC_HOUR 0x04
#define RTC_DAY 0x07
#define RTC_MON 0x08
#define RTC_YEAR 0x09
#define RTC_CENTURY 0x32 /* the ACPI FADT's usual century register, QEMU's */
#define RTC_A 0x0a
#define RTC_B 0x0b
#define RTC_A_UIP 0x80 /* update in progress: the time registers are changing */
#define RTC_B_24H 0x02 /* hours 0-23 (else 1-12 with bit 7 = PM) */
#define RTC_B_BIN 0x04 /* binary (else BCD) */
#define RTC_HOUR_PM 0x80

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_ADDR, reg); /* bit 7 clear: NMIs stay enabled */
	return inb(CMOS_DATA);
}

struct rtc_time {
	uint8_t sec, min, hour, day, mon, year, century;
};

/* One snapshot of the time registers, taken once update-in-progress is
 * clear (bounded: a broken clock reads as whatever it holds). */
static void rtc_snapshot(struct rtc_time *t)
{
	for (unsigned i = 0; i < 1000000 && (cmos_read(RTC_A) & RTC_A_UIP); i++)
		;
	t->sec = cmos_read(RTC_SEC);
	t->min = cmos_read(RTC_MIN);
	t->hour = cmos_read(RTC_HOUR);
	t->day = cmos_read(RTC_DAY);
	t->mon = cmos_read(RTC_MON);
	t->year = cmos_read(RTC_YEAR);
	t->century = cmos_read(RTC_CENTURY);
}

static unsigned bcd(uint8_t v)
{
	return (v & 0x0fu) + (v >> 4) * 10u;
}

uint64_t rtc_days_from_civil(unsigned year, unsigned month, unsigned day)
{
	unsigned y = month <= 2 ? year - 1 : year;
	unsigned era = y / 400, yoe = y - era * 400;
	unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (uint64_t)era * 146097 + doe - 719468;
}

uint64_t rtc_read_epoch(void)
{
	struct rtc_time a, b;
	/* read until two snapshots agree: an update between them is seen */
	rtc_snapshot(&a);
	for (unsigned i = 0; i < 8; i++) {
		rtc_snapshot(&b);
		if (!memcmp(&a, &b, sizeof(a)))
			break;
		a = b;
	}
	uint8_t regb = cmos_read(RTC_B);
	bool pm = (a.hour & RTC_HOUR_PM) != 0;
	uint8_t h = a.hour & (uint8_t)~RTC_HOUR_PM;
	unsigned sec = a.sec, min = a.min, hour = h, day = a.day, mon = a.mon, year = a.year,
		 cent = a.century;
	if (!(regb & RTC_B_BIN)) {
		sec = bcd(a.sec), min = bcd(a.min), hour = bcd(h);
		day = bcd(a.day), mon = bcd(a.mon), year = bcd(a.year), cent = bcd(a.century);
	}
	if (!(regb & RTC_B_24H)) /* 12 h: 12 AM is 0, 12 PM is 12 */
		hour = (hour % 12) + (pm ? 12 : 0);
	year += (cent >= 19 && cent <= 99) ? cent * 100 : 2000;
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 ||
	    sec > 59)
		return 0;
	return rtc_days_from_civil(year, mon, day) * 86400ull + hour * 3600ull + min * 60ull + sec;
}

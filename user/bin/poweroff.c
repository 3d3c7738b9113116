/* poweroff: switch the machine off through reboot(2)
 * (LINUX_REBOOT_CMD_POWER_OFF; root only). */
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	sync();
	if (reboot(RB_POWER_OFF) < 0) {
		fprintf(stderr, "poweroff: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/* alldevs - list the network devices pfring_findalldevs() sees. */
#include "pfring.h"

int main(void)
{
	pfring_if_t *all = pfring_findalldevs(), *d;

	if (!all) {
		fprintf(stderr, "alldevs: no devices found (%s)\n", strerror(errno));
		return 1;
	}
	for (d = all; d; d = d->next) {
		const u_char *m = (const u_char *)d->mac;

		printf("Name: %s\n", d->name);
		printf("  SystemName: %s\n", d->system_name ? d->system_name : "");
		printf("  Module: %s\n", d->module ? d->module : "");
		if (d->module_version)
			printf("  ModuleVersion: %s\n", d->module_version);
		printf("  MAC: %02X:%02X:%02X:%02X:%02X:%02X\n", m[0], m[1], m[2], m[3], m[4], m[5]);
		if (d->bus_id.slot >= 0)
			printf("  BusID: %04X:%02X:%02X.%X\n", d->bus_id.slot & 0xFFFF,
			       d->bus_id.bus & 0xFF, d->bus_id.device & 0xFF,
			       d->bus_id.function & 0xF);
		printf("  IfIndex: %d\n", d->ifindex);
		printf("  Status: %s\n", d->status == 1 ? "up" : d->status == 0 ? "down" : "unknown");
	}
	pfring_freealldevs(all);
	return 0;
}

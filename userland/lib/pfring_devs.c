// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_devs.c - pfring_findalldevs(): the network devices of this namespace, from
 * /sys/class/net, with their driver, PCI address, MAC address and state.
 */
#include <dirent.h>
#include <limits.h>

#include "pfring_priv.h"

/* The first line of a sysfs attribute, without its newline; NULL when unreadable. */
static char *read_attr(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", dev, attr);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return buf;
}

/* The last component of the symlink /sys/class/net/<dev>/<link>, or NULL. */
static char *link_base(const char *dev, const char *link, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	char *slash;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", dev, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	slash = strrchr(target, '/');
	slash = slash ? slash + 1 : target;
	if (strlen(slash) >= len)
		return NULL;
	memcpy(buf, slash, strlen(slash) + 1);
	return buf;
}

static void free_dev(pfring_if_t *d)
{
	free(d->name);
	free(d->system_name);
	free(d->module);
	free(d->module_version);
	free(d->sn);
	free(d);
}

static pfring_if_t *describe(const char *name)
{
	char buf[256], path[PATH_MAX];
	unsigned mac[6];
	pfring_if_t *d = calloc(1, sizeof(*d));
	int i;

	if (!d)
		return NULL;
	d->name = strdup(name);
	d->system_name = strdup(name);
	if (!d->name || !d->system_name)
		goto fail;
	d->bus_id.slot = d->bus_id.bus = d->bus_id.device = d->bus_id.function = -1;

	if (link_base(name, "device/driver", buf, sizeof(buf))) {
		d->module = strdup(buf);
		if (!d->module)
			goto fail;
		snprintf(path, sizeof(path), "/sys/module/%s/version", buf);
		FILE *f = fopen(path, "re");
		if (f) {
			if (fgets(buf, sizeof(buf), f)) {
				buf[strcspn(buf, "\n")] = '\0';
				d->module_version = strdup(buf);
			}
			fclose(f);
		}
	}
	if (link_base(name, "device", buf, sizeof(buf))) {
		unsigned dom, bus, dev, fn;

		if (sscanf(buf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) == 4) {
			d->bus_id.slot = (int)dom;
			d->bus_id.bus = (int)bus;
			d->bus_id.device = (int)dev;
			d->bus_id.function = (int)fn;
		}
	}
	if (read_attr(name, "address", buf, sizeof(buf)) &&
	    sscanf(buf, "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
		   &mac[5]) == 6)
		for (i = 0; i < 6; i++)
			d->mac[i] = (char)mac[i];
	if (read_attr(name, "ifindex", buf, sizeof(buf)))
		d->ifindex = atoi(buf);
	d->status = -1;
	if (read_attr(name, "operstate", buf, sizeof(buf))) {
		if (strcmp(buf, "up") == 0)
			d->status = 1;
		else if (strcmp(buf, "down") == 0 || strcmp(buf, "lowerlayerdown") == 0)
			d->status = 0;
	}
	d->license = 1;		/* nothing here needs a licence */
	return d;
fail:
	free_dev(d);
	return NULL;
}

static int by_ifindex(const void *a, const void *b)
{
	const pfring_if_t *x = *(pfring_if_t *const *)a, *y = *(pfring_if_t *const *)b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

pfring_if_t *pfring_findalldevs(void)
{
	pfring_if_t **all = NULL, *head = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *e;
	int saved = errno;
	DIR *dir = opendir("/sys/class/net");

	if (!dir)
		return NULL;
	while ((e = readdir(dir))) {
		pfring_if_t *d;

		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			pfring_if_t **grown = realloc(all, (cap ? cap * 2 : 16) * sizeof(*all));

			if (!grown)
				goto fail;
			all = grown;
			cap = cap ? cap * 2 : 16;
		}
		d = describe(e->d_name);
		if (!d)
			goto fail;
		all[n++] = d;
	}
	closedir(dir);
	qsort(all, n, sizeof(*all), by_ifindex);
	for (i = n; i-- > 0;) {
		all[i]->next = head;
		head = all[i];
	}
	free(all);
	errno = saved;
	if (!head)
		errno = ENODEV;
	return head;

fail:
	closedir(dir);
	for (i = 0; i < n; i++)
		free_dev(all[i]);
	free(all);
	errno = ENOMEM;
	return NULL;
}

void pfring_freealldevs(pfring_if_t *list)
{
	while (list) {
		pfring_if_t *next = list->next;

		free_dev(list);
		list = next;
	}
}

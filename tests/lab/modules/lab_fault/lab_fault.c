// SPDX-License-Identifier: GPL-2.0-only
/*
 * lab_fault: commits one deliberate kernel fault when loaded, chosen by its parameter,
 * then refuses to stay loaded (-ECANCELED), so that it can be loaded again. The lab
 * loads it to prove that its kernel-log check catches each kind of report:
 *
 *   fault=warn   a WARN()                         (any kernel)
 *   fault=leak   kzalloc()s whose pointers are lost (kmemleak, sanitizer kernel)
 *   fault=oob    a read one byte past a kmalloc()  (KASAN, sanitizer kernel)
 *
 * and one fault that is no kernel bug, for pf_ring's error paths:
 *
 *   fault=promisc_roof dev=NAME   the device's promiscuity count at its maximum, so
 *                                 that dev_set_promiscuity(+1) fails (EOVERFLOW)
 */
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *fault = "warn";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "warn, leak, oob or promisc_roof");

static unsigned int size = 40;
module_param(size, uint, 0444);
MODULE_PARM_DESC(size, "bytes allocated for leak and oob");

static char *dev = "";
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "the device of promisc_roof (initial namespace)");

static void *lab_fault_leaked;

static int lab_fault_promisc_roof(void)
{
	struct net_device *nd;
	int err = 0;

	rtnl_lock();
	nd = __dev_get_by_name(&init_net, dev);
	if (nd)
		nd->promiscuity = UINT_MAX;
	else
		err = -ENODEV;
	rtnl_unlock();
	return err;
}

static int lab_fault_oob(void)
{
	char *buf = kmalloc(size, GFP_KERNEL);
	char past;

	if (!buf)
		return -ENOMEM;
	memset(buf, 0, size);
	/* size is a parameter, so the compiler cannot see that this is one byte too far */
	past = READ_ONCE(buf[size]);
	kfree(buf);
	return past;
}

static int __init lab_fault_init(void)
{
	int i;

	if (!strcmp(fault, "warn")) {
		WARN(1, "lab_fault: deliberate warning for the kernel-log check\n");
	} else if (!strcmp(fault, "leak")) {
		/*
		 * Forget the blocks: kmemleak must report them as unreferenced. Several,
		 * because a stale copy of a pointer (in a register spilled on some stack)
		 * can hide one block from a scan. Zeroed, because fresh slab memory still
		 * holds its last user's pointers (KASAN's quarantine links one freed block
		 * to the next): blocks taken in a row then point at each other, and one
		 * stale reference to the first hid all eight (seen once in CI).
		 */
		for (i = 0; i < 8; i++)
			WRITE_ONCE(lab_fault_leaked, kzalloc(size, GFP_KERNEL));
		WRITE_ONCE(lab_fault_leaked, NULL);
	} else if (!strcmp(fault, "oob")) {
		pr_info("lab_fault: read past the end: %d\n", lab_fault_oob());
	} else if (!strcmp(fault, "promisc_roof")) {
		int err = lab_fault_promisc_roof();

		if (err)
			return err;
	} else {
		pr_err("lab_fault: fault=%s is not warn, leak, oob or promisc_roof\n", fault);
		return -EINVAL;
	}
	return -ECANCELED;
}

module_init(lab_fault_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Deliberate kernel faults: a test of the lab's kernel-log check");

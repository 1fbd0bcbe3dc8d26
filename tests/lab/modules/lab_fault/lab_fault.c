// SPDX-License-Identifier: GPL-2.0-only
/*
 * lab_fault: commits one deliberate kernel fault when loaded, chosen by its parameter,
 * then refuses to stay loaded (-ECANCELED), so that it can be loaded again. The lab
 * loads it to prove that its kernel-log check catches each kind of report:
 *
 *   fault=warn   a WARN()                         (any kernel)
 *   fault=leak   a kmalloc() whose pointer is lost (kmemleak, sanitizer kernel)
 *   fault=oob    a read one byte past a kmalloc()  (KASAN, sanitizer kernel)
 */
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *fault = "warn";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "warn, leak or oob");

static unsigned int size = 40;
module_param(size, uint, 0444);
MODULE_PARM_DESC(size, "bytes allocated for leak and oob");

static void *lab_fault_leaked;

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
		 * can hide one block from a scan.
		 */
		for (i = 0; i < 8; i++)
			WRITE_ONCE(lab_fault_leaked, kmalloc(size, GFP_KERNEL));
		WRITE_ONCE(lab_fault_leaked, NULL);
	} else if (!strcmp(fault, "oob")) {
		pr_info("lab_fault: read past the end: %d\n", lab_fault_oob());
	} else {
		pr_err("lab_fault: fault=%s is not warn, leak or oob\n", fault);
		return -EINVAL;
	}
	return -ECANCELED;
}

module_init(lab_fault_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Deliberate kernel faults: a test of the lab's kernel-log check");

// SPDX-License-Identifier: GPL-2.0-only
/*
 * lab_warn: logs one kernel warning when loaded. The lab loads it to prove that its
 * kernel-log check fails a run with a WARNING in the log.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init lab_warn_init(void)
{
	WARN(1, "lab_warn: deliberate warning for the kernel-log check\n");
	return 0;
}

static void __exit lab_warn_exit(void)
{
}

module_init(lab_warn_init);
module_exit(lab_warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Logs a deliberate warning: a test of the lab's kernel-log check");

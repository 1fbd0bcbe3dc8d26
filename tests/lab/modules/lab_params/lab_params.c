// SPDX-License-Identifier: GPL-2.0-only
/*
 * lab_params: takes one parameter, slots, and refuses to load when it is out of range
 * (-EINVAL). The harness's module fixture is tested on it: parameters reach the module,
 * a refusal comes back with the kernel's errno, and unloading works.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>

static unsigned int slots = 4096;
module_param(slots, uint, 0444);
MODULE_PARM_DESC(slots, "a number between 64 and 65536");

static int __init lab_params_init(void)
{
	if (slots < 64 || slots > 65536) {
		pr_err("lab_params: slots=%u is outside 64..65536\n", slots);
		return -EINVAL;
	}
	return 0;
}

static void __exit lab_params_exit(void)
{
}

module_init(lab_params_init);
module_exit(lab_params_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A module with one checked parameter: a test of the lab's module fixture");

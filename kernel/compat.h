/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * compat.h - kernel interfaces whose names changed between the kernels we build for.
 *
 * Built against every Debian kernel from 6.1 on. Kbuild greps the kernel's headers and
 * defines PFR_HAVE_<X> for what they have (a distribution may backport an interface,
 * so the version number alone would not tell).
 */
#ifndef _PF_RING_COMPAT_H
#define _PF_RING_COMPAT_H

#include <linux/mm.h>
#include <linux/timer.h>

/* timer_shutdown_sync() arrived in 6.2 (Debian's 6.1 has it backported) */
#ifndef PFR_HAVE_TIMER_SHUTDOWN
#define timer_shutdown_sync(t)	del_timer_sync(t)
#endif

/* from_timer() became timer_container_of() in 6.16 */
#ifndef timer_container_of
#define timer_container_of(var, t, field)	from_timer(var, t, field)
#endif

/* vm_flags became read-only behind vm_flags_set() in 6.3 */
static inline void pfr_vm_flags_set(struct vm_area_struct *vma, unsigned long flags)
{
#ifdef PFR_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/* asm/unaligned.h became linux/unaligned.h in 6.12 */
#ifdef PFR_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#endif /* _PF_RING_COMPAT_H */

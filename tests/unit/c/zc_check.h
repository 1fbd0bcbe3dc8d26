/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * zc_check.h - the ZC test programs' checks: CHECK(cond) prints "FAIL file:line: cond
 * (errno N)" and counts it in failures, which the program prints last as "N failures".
 */
#ifndef ZC_CHECK_H
#define ZC_CHECK_H

#include <errno.h>
#include <stdio.h>

static int failures;

#define CHECK(cond) do {							\
	if (!(cond)) {								\
		failures++;							\
		printf("FAIL %s:%d: %s (errno %d)\n", __FILE__, __LINE__, #cond, errno); \
	}									\
} while (0)

/* expr is NULL with exactly errno e */
#define CHECK_NULL_ERRNO(expr, e) do {						\
	errno = 0;								\
	void *p_ = (void *)(expr);						\
	CHECK(p_ == NULL && errno == (e));					\
} while (0)

#endif /* ZC_CHECK_H */

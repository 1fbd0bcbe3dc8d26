/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * zc_test_id.h - cluster ids for the ZC test programs.  A cluster id names a file that
 * every process of the machine sees (pfring_zc.h, "IPC"), so two test runs at once (a CI
 * clone beside a developer's tree) must not use the same ids: ZC_TEST_ID(k) is k plus
 * $ZC_TEST_ID_BASE, which tests/unit/conftest.py sets per session (0 when unset).
 */
#ifndef ZC_TEST_ID_H
#define ZC_TEST_ID_H

#include <stdint.h>
#include <stdlib.h>

static inline uint32_t zc_test_id_base(void)
{
	const char *b = getenv("ZC_TEST_ID_BASE");

	return b ? (uint32_t)strtoul(b, NULL, 10) : 0;
}

#define ZC_TEST_ID(k) (zc_test_id_base() + (uint32_t)(k))

#endif /* ZC_TEST_ID_H */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lab_crc32.h - CRC-32 (IEEE, as zlib.crc32 computes it) for the lab's C test programs,
 * so that what they read can be compared with what the Python side sent.
 */
#ifndef LAB_CRC32_H
#define LAB_CRC32_H

#include <stddef.h>
#include <stdint.h>

static uint32_t lab_crc_table[256];

static inline void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		lab_crc_table[i] = c;
	}
}

/* Continue a CRC: start with 0xFFFFFFFF, finish with ^ 0xFFFFFFFF. */
static inline uint32_t crc32_update(uint32_t c, const uint8_t *p, size_t n)
{
	while (n--)
		c = lab_crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return c;
}

static inline uint32_t crc32_buf(const uint8_t *p, size_t n)
{
	return crc32_update(0xFFFFFFFFu, p, n) ^ 0xFFFFFFFFu;
}

#endif /* LAB_CRC32_H */

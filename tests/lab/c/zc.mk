# SPDX-License-Identifier: LGPL-2.1-or-later
# The ZC device tests' C program (tests/lab/test_zc_device.py), included by this folder's
# Makefile; it links the static libpfring_zc and libpfring that userland/ built into the
# same BUILD_DIR (a program that opens devices needs both).
ZC_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
ZC_TOP := $(abspath $(ZC_DIR)/../../..)

all: $(BUILD_DIR)/zc_device_probe

$(BUILD_DIR)/zc_device_probe: $(ZC_DIR)/zc_device_probe.c $(BUILD_DIR)/lib/libpfring_zc.a \
		$(BUILD_DIR)/lib/libpfring.a $(ZC_DIR)/lab_crc32.h $(ZC_TOP)/userland/zc/pfring_zc.h
	@mkdir -p $(BUILD_DIR)
	$(CC) -O2 -g -Wall -Wextra -Werror -I$(ZC_TOP)/userland/zc -I$(ZC_TOP)/userland/lib \
		-I$(ZC_TOP)/kernel/include/uapi -o $@ $< \
		$(BUILD_DIR)/lib/libpfring_zc.a $(BUILD_DIR)/lib/libpfring.a -lpthread

$(BUILD_DIR)/lib/libpfring_zc.a:
	$(MAKE) -C $(ZC_TOP)/userland BUILD_DIR=$(BUILD_DIR) lib zc

clean: clean-zc
clean-zc:
	rm -f $(BUILD_DIR)/zc_device_probe

.PHONY: clean-zc

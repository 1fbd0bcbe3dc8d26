# SPDX-License-Identifier: LGPL-2.1-or-later
# libpfring's lab test programs, included by this folder's Makefile. They link the
# static libpfring that userland/ built into the same BUILD_DIR (invoke build makes
# userland/ first).
LIBPFRING_TOP  := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../../..)
LIBPFRING_DIR  := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
LIBPFRING_A    := $(BUILD_DIR)/lib/libpfring.a
LIBPFRING_PROGS := $(BUILD_DIR)/pfring_reader $(BUILD_DIR)/pfring_reader_abi99
LIBPFRING_SRCS := $(wildcard $(LIBPFRING_TOP)/userland/lib/*.c)

all: $(LIBPFRING_PROGS)

$(BUILD_DIR)/pfring_reader: $(LIBPFRING_DIR)/pfring_reader.c $(LIBPFRING_A) \
		$(LIBPFRING_DIR)/lab_crc32.h $(LIBPFRING_TOP)/userland/lib/pfring.h
	@mkdir -p $(BUILD_DIR)
	$(CC) -O2 -g -Wall -Wextra -Werror -I$(LIBPFRING_TOP)/userland/lib \
		-I$(LIBPFRING_TOP)/kernel/include/uapi -o $@ $< $(LIBPFRING_A) -lpthread

# The same reader linked with a libpfring built for ring layout 99: a library of another
# release, which must refuse the module's ring (tests/lab/test_libpfring.py).
$(BUILD_DIR)/pfring_reader_abi99: $(LIBPFRING_DIR)/pfring_reader.c $(LIBPFRING_SRCS) \
		$(LIBPFRING_DIR)/lab_crc32.h $(LIBPFRING_TOP)/userland/lib/pfring.h
	@mkdir -p $(BUILD_DIR)
	$(CC) -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -DPFRING_RING_ABI=99 \
		-I$(LIBPFRING_TOP)/userland/lib -I$(LIBPFRING_TOP)/kernel/include/uapi \
		-o $@ $< $(LIBPFRING_SRCS) -lpthread

$(LIBPFRING_A):
	$(MAKE) -C $(LIBPFRING_TOP)/userland BUILD_DIR=$(BUILD_DIR) lib

clean: clean-libpfring
clean-libpfring:
	rm -f $(LIBPFRING_PROGS)

.PHONY: clean-libpfring

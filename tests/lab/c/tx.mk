# SPDX-License-Identifier: LGPL-2.1-or-later
# The sending tests' C program (tests/lab/test_tx.py), included by this folder's
# Makefile; it links the static libpfring that userland/ built into the same BUILD_DIR.
TX_DIR  := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
TX_TOP  := $(abspath $(TX_DIR)/../../..)

all: $(BUILD_DIR)/pfring_sender

$(BUILD_DIR)/pfring_sender: $(TX_DIR)/pfring_sender.c $(BUILD_DIR)/lib/libpfring.a \
		$(TX_DIR)/lab_crc32.h $(TX_TOP)/userland/lib/pfring.h
	@mkdir -p $(BUILD_DIR)
	$(CC) -O2 -g -Wall -Wextra -Werror -I$(TX_TOP)/userland/lib \
		-I$(TX_TOP)/kernel/include/uapi -o $@ $< $(BUILD_DIR)/lib/libpfring.a -lpthread

clean: clean-tx
clean-tx:
	rm -f $(BUILD_DIR)/pfring_sender

.PHONY: clean-tx

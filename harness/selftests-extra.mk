# SPDX-License-Identifier: GPL-2.0
# Read after tools/testing/selftests/kvm/Makefile (make -f Makefile -f this)
# by harness/build-selftests.sh: builds the selftests of ours that are not in
# the posted series, with the same flags and library as the others.
#   signal_exit_test  the exit that a stock kernel image takes at its own
#                     struct offsets (make check-stock), see its header
EXTRA_TESTS := $(OUTPUT)/signal_exit_test

extra: $(EXTRA_TESTS)

$(EXTRA_TESTS): %: %.o $(LIBKVM_OBJS)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH) $< $(LIBKVM_OBJS) $(LDLIBS) -o $@

$(EXTRA_TESTS:%=%.o): $(OUTPUT)/%.o: %.c $(GEN_HDRS)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c $< -o $@

.PHONY: extra

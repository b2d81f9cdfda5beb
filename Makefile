# SPDX-License-Identifier: GPL-2.0
#
# Build, boot and test our patched KVM under QEMU.  See README.md.
#
#   make demo         build everything, boot it, run the pvpanic demo VMM, then
#                     our QEMU with a Linux guest that panics
#   make bench        pvpanic_bench under -icount shift=0 (instructions per operation)
#   make stress       pvpanic stress test + fuzzer on the debug kernel (also
#                     the last part of make check-debug)
#   make              packages, patched tree, x86_64 kernel + KVM modules,
#                     static KVM selftests, tools/kvm/ programs, initramfs
#   make check        ... then boot it and run our selftests + the regression list
#   make run RUN="/path/to/static-binary [args]"
#   make headers      patched uapi headers into $(BUILD)/usr/include
#   make ppc          cross-built ppc64le kernel with KVM HV and PR modules
#   make check-ppc    ... booted in pseries (KVM-PR) and powernv (KVM-HV) guests:
#                     KUnit + the Book3S pvpanic selftest
#   make arm64        cross-built arm64 kernel (KVM built in) + arm64 KVM selftests
#   make check-arm64  ... booted at EL2 in qemu-system-aarch64 (VHE, nVHE): our
#                     aarch64 pvpanic_test + the arm64 regression list; then our
#                     QEMU built for aarch64 (make qemu-arm64) with a Linux guest
#                     on virt + pvpanic-pci that really panics
#   make qemu-arm64   Debian's QEMU with qemu/patches, cross-built for aarch64
#   make check-debug  the check on a KASAN/lockdep/kmemleak kernel
#   make lint         checkpatch --strict + sparse + W=1 on what we wrote
#   make modules KVER=<release>   kvm/kvm-amd/kvm-intel.ko for a stock Debian 6.12 kernel
#   make modules_install KVER=<release>   ... into /lib/modules/<release>/updates
#   make check-stock  those modules in Debian's stock kernel image: ABI guard + selftests
#   make series       the series as posted: build/series/ (and fixes/), from a git history
#   make check-series every prefix of that series builds, W=1/sparse/checkpatch clean
#   make qemu         Debian's QEMU with qemu/patches (minimal: x86_64, KVM, our devices)
#   make check-qemu   ... as the VMM inside the test VM: a real Linux guest panics
#   make check-libvirt  Debian's libvirt (unchanged, not installed: unpacked into
#                     build/) drives that QEMU in the test VM: on_crash actions
#   make check-dump   that QEMU in the test VM dumps a guest kernel with DWARF that panicked;
#                     crash (built from Debian's source package) reads the core: bt, log,
#                     kmem -i (not in CI: it builds crash and that kernel)
#   make check-qemu-series  every prefix of qemu/patches builds (-Werror), QEMU checkpatch clean
#
# O=DIR puts all output in DIR instead of build/.

BUILD := $(abspath $(if $(O),$(O),build))
export BUILD
H := harness

REGRESSION_LIST ?= $(H)/regression-x86_64.list
# The debug kernel runs the regression list less what it excludes (too slow there).
DEBUG_EXCLUDE := $(H)/regression-debug.exclude
DEBUG_LIST ?= $(BUILD)/regression-debug.list

.PHONY: all deps tree kernel selftests tools initramfs check run demo bench stress headers ppc \
	kernel-debug initramfs-debug check-debug lint check-upstream-all clean check-ppc \
	modules modules_install check-stock series check-series qemu check-qemu check-qemu-series \
	check-libvirt check-dump arm64 check-arm64 qemu-arm64

all: initramfs

deps:
	@$(H)/install-deps.sh

tree: deps
	@$(H)/prepare-tree.sh

kernel: tree
	@$(H)/build-kernel.sh x86_64

headers: kernel
	@$(H)/install-headers.sh
	@echo "uapi headers: $(BUILD)/usr/include (compile with -isystem $(BUILD)/usr/include)"

selftests: kernel
	@$(H)/build-selftests.sh

tools: kernel
	@$(H)/build-tools.sh

initramfs: kernel selftests tools
	@$(H)/mkinitramfs.sh base x86_64
	@$(H)/mkinitramfs.sh tests $(REGRESSION_LIST) $(BUILD)/initramfs-tests-x86_64.cpio

demo: all qemu
	@$(H)/check-qemu.sh cpio >/dev/null
	@RUN_EXTRA="$(BUILD)/selftests-x86_64/x86_64/pvpanic_demo" RUN_INITRD_EXTRA="$(BUILD)/initramfs-qemu.cpio" \
		$(H)/run-vm.sh run $(H)/guest/demo.sh

bench: all qemu
	@$(H)/bench.sh

# The pvpanic stress program and fuzzer alone, on the debug kernel; a splat
# fails.  Single-threaded TCG: under multi-threaded TCG the L1 kernel itself
# gets corrupted under this load, with or without the device (see the top
# of x86_64/pvpanic_stress.c).  TCG_OPTS= overrides.
stress: initramfs-debug
	@RUN_FLAVOUR=x86_64-debug RUN_STRICT=1 TIMEOUT=$${TIMEOUT:-900} TCG_OPTS=$${TCG_OPTS-thread=single} \
		RUN_EXTRA="$(BUILD)/selftests-x86_64/x86_64/pvpanic_stress $(BUILD)/selftests-x86_64/x86_64/pvpanic_fuzz_test" \
		$(H)/run-vm.sh run $(H)/guest/stress.sh

check: all
	@$(H)/run-vm.sh check x86_64 $(REGRESSION_LIST)

# Check RUN before building or booting anything.
run:
	@set -- $(RUN); \
	if [ -z "$$1" ]; then echo 'usage: make run RUN="/path/to/static-binary [args]"' >&2; exit 2; fi; \
	if [ ! -f "$$1" ]; then echo "make run: $$1: no such file" >&2; exit 2; fi; \
	if [ ! -x "$$1" ]; then echo "make run: $$1: not executable" >&2; exit 2; fi
	@$(MAKE) --no-print-directory all >&2
	@$(H)/run-vm.sh run $(RUN)

ppc: tree
	@$(H)/build-kernel.sh ppc64le

check-ppc: ppc
	@$(H)/check-ppc.sh

arm64: tree
	@$(H)/build-kernel.sh arm64
	@$(H)/build-selftests-arm64.sh

qemu-arm64: deps
	@$(H)/build-qemu-arm64.sh

check-arm64: arm64 qemu-arm64
	@$(H)/check-arm64.sh

kernel-debug: tree
	@$(H)/build-kernel.sh x86_64-debug

initramfs-debug: kernel-debug selftests tools
	@grep -v -e '^#' -e '^[[:space:]]*$$' $(DEBUG_EXCLUDE) | \
		awk 'NR == FNR { x[$$1] = 1; next } !($$1 in x)' - $(REGRESSION_LIST) > $(BUILD)/regression-debug.list
	@$(H)/mkinitramfs.sh base x86_64-debug
	@$(H)/mkinitramfs.sh tests $(DEBUG_LIST) $(BUILD)/initramfs-tests-x86_64-debug.cpio

# One test may take 450 s there (pvpanic_fuzz_test: 101 s alone, 289 s on a
# loaded machine; the regular kernel keeps run-vm.sh's 150 s).
check-debug: initramfs-debug
	@TIMEOUT=$${TIMEOUT:-1800} TEST_TIMEOUT=$${TEST_TIMEOUT:-450} \
		$(H)/run-vm.sh check x86_64-debug $(DEBUG_LIST)
	@$(MAKE) --no-print-directory stress

lint: kernel ppc arm64
	@$(H)/lint.sh

# Every upstream x86 KVM selftest, to re-measure the regression list (slow).
check-upstream-all: all
	@$(H)/list-upstream-tests.sh > $(BUILD)/upstream-all.list
	@$(H)/mkinitramfs.sh tests $(BUILD)/upstream-all.list $(BUILD)/initramfs-tests-x86_64.cpio
	@TIMEOUT=$${TIMEOUT:-3600} $(H)/run-vm.sh check x86_64 $(BUILD)/upstream-all.list

# Out-of-tree modules for a stock Debian kernel (DKMS-style), see README.
modules:
	@$(H)/build-modules.sh "$(KVER)"

modules_install:
	@INSTALL_MOD_PATH="$(INSTALL_MOD_PATH)" $(H)/build-modules.sh "$(KVER)" install

# The stock kernel CI boots: Debian 12's cloud kernel of linux-source-6.12's
# version (harness/stock-kver.sh), unless STOCK_KVER= names another.  Its
# list is the debug kernel's (the regression list less the slowest upstream
# memslot and page-table tests, harness/regression-debug.exclude), which
# make check still runs on our kernel; STOCK_LIST= the whole list.
STOCK_LIST ?= $(BUILD)/regression-stock.list

check-stock: all
	@grep -v -e '^#' -e '^[[:space:]]*$$' $(DEBUG_EXCLUDE) | \
		awk 'NR == FNR { x[$$1] = 1; next } !($$1 in x)' - $(REGRESSION_LIST) > $(BUILD)/regression-stock.list
	@kver="$${STOCK_KVER:-$$($(H)/stock-kver.sh)}" && \
	$(MAKE) --no-print-directory modules KVER="$$kver" && \
	$(H)/check-stock.sh "$$kver" $(STOCK_LIST)

clean:
	rm -rf $(BUILD)

# The posted form of patches/ and our new files (harness/make-series.sh).
series: deps
	@$(H)/make-series.sh

check-series: series
	@$(H)/check-series.sh

# Debian's QEMU with our series, and the real-VMM scenarios (docs/qemu.md).
qemu: deps
	@$(H)/build-qemu.sh

check-qemu: all qemu
	@$(H)/check-qemu.sh

# libvirt's embedded QEMU driver with that QEMU (docs/testing.md); the QEMU
# piece of the test VM's initramfs comes from check-qemu.sh, as for make demo.
check-libvirt: all qemu
	@$(H)/check-qemu.sh cpio >/dev/null
	@$(H)/check-libvirt.sh

check-qemu-series: deps
	@$(H)/check-qemu-series.sh

# crash on the vmcore of a guest that panicked (docs/testing.md#make-check-dump).
check-dump: all qemu
	@$(H)/check-qemu.sh cpio >/dev/null
	@$(H)/check-dump.sh

# SPDX-License-Identifier: GPL-2.0
# The devices of our arm64 QEMU (configure --without-default-devices
# --with-devices-aarch64=kvm-pvpanic): the virt board (its PCIe host
# bridge, PL011 console and fw_cfg come with it) and pvpanic-pci, the one
# pvpanic device an arm64 guest can have.
CONFIG_ARM_VIRT=y
CONFIG_PVPANIC_PCI=y
# Kconfig adds these by a default, which --without-default-devices turns
# off: KVM's in-kernel GICv2/GICv3 and ITS, which virt needs under KVM; and
# the v7M NVIC and semihosting, which QEMU 7.2's arm TCG code calls.
CONFIG_ARM_GIC_KVM=y
CONFIG_ARM_V7M=y

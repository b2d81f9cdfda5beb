# SPDX-License-Identifier: GPL-2.0
# The devices of our arm64 QEMU (configure --without-default-devices
# --with-devices-aarch64=kvm-pvpanic): the virt board (its PCIe host
# bridge, PL011 console, GIC with KVM's in-kernel GICs, fw_cfg come with
# it) and pvpanic-pci, the one pvpanic device an arm64 guest can have.
CONFIG_ARM_VIRT=y
CONFIG_PVPANIC_PCI=y
# QEMU 7.2's arm TCG code calls the v7M NVIC and semihosting; Kconfig adds
# them by a default, which --without-default-devices turns off.
CONFIG_ARM_V7M=y
# As on x86 (devices.mak), what the ioeventfd scenarios move the
# pvpanic-pci BAR onto: virtio-pci doorbells and nvme's shadow doorbells.
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_RNG=y
CONFIG_VIRTIO_SERIAL=y
CONFIG_NVME_PCI=y

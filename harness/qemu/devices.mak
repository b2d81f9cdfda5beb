# SPDX-License-Identifier: GPL-2.0
# The devices `make check-qemu` needs (configure --without-default-devices
# --with-devices-x86_64=kvm-pvpanic): the three boards of the scenarios,
# both pvpanic devices, a serial console, and virtio-pci (its ioeventfds are
# what the overlapping-BAR scenario moves the pvpanic-pci BAR onto).
CONFIG_I440FX=y
CONFIG_Q35=y
CONFIG_MICROVM=y
CONFIG_PVPANIC_ISA=y
CONFIG_PVPANIC_PCI=y
CONFIG_SERIAL_ISA=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_RNG=y
CONFIG_VIRTIO_SERIAL=y
# The nvme scenario: nvme,ioeventfd=on adds 4-byte ioeventfds to its mapped
# BAR when the guest's driver creates queues with shadow doorbells.
CONFIG_NVME_PCI=y

// SPDX-License-Identifier: GPL-2.0+
/*
 *  Pvpanic device discovery through KVM_FEATURE_PVPANIC
 *
 *  A KVM guest without ACPI or a device tree has no other way to find
 *  the pvpanic device.  This is built in whenever the pvpanic-mmio driver
 *  is enabled, also as a module: the device registered here is what
 *  loads the module.
 */

#define pr_fmt(fmt) "pvpanic: " fmt

#include <linux/acpi.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kvm_para.h>
#include <linux/platform_device.h>
#include <linux/printk.h>
#include <linux/types.h>

#define PVPANIC_KVM_PORT	0x505

/*
 * KVM_FEATURE_PVPANIC says that a pvpanic device answers at port 0x505
 * (Documentation/virt/kvm/pvpanic.rst), whether KVM's in-kernel device or
 * the VMM's own emulation.  With ACPI, the device's QEMU0001 node already
 * describes it, and the driver binds to that.
 *
 * The bit is the VMM's word; read the port once to see that something is
 * there.  A device answers with the events it supports, possibly events
 * this kernel does not know (the driver masks them).  An empty port reads
 * 0xff under QEMU; 0 offers nothing.
 */
static int __init pvpanic_kvm_init(void)
{
	struct resource res = DEFINE_RES_IO_NAMED(PVPANIC_KVM_PORT, 1, "pvpanic");
	struct platform_device *pdev;
	u8 events;

	if (!kvm_para_available() || !kvm_para_has_feature(KVM_FEATURE_PVPANIC))
		return 0;

	if (acpi_dev_present("QEMU0001", NULL, -1))
		return 0;

	events = inb(PVPANIC_KVM_PORT);
	if (events == 0x00 || events == 0xff) {
		pr_info("KVM_FEATURE_PVPANIC set, but port 0x%x reads 0x%02x: no device\n",
			PVPANIC_KVM_PORT, events);
		return 0;
	}

	pdev = platform_device_register_simple("pvpanic-mmio", PLATFORM_DEVID_NONE,
					       &res, 1);
	return PTR_ERR_OR_ZERO(pdev);
}
device_initcall(pvpanic_kvm_init);

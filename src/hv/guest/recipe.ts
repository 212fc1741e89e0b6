// What goes into the RISC-V BusyBox guest, in one place: the kernel configuration fragment merged
// over `tinyconfig` (from shared/design/facts.md: what a 6.1 kernel needs for this machine),
// the BusyBox configuration changes, and the initramfs's /init. The builder hashes these to
// decide whether a cached guest is still current.

export const KERNEL_SOURCE_TARBALL = '/usr/src/linux-source-6.1.tar.xz';
export const CROSS_COMPILE = 'riscv64-linux-gnu-';

export const KERNEL_FRAGMENT = `
CONFIG_ARCH_RV64I=y
CONFIG_64BIT=y
CONFIG_MMU=y
CONFIG_SMP=y
CONFIG_NR_CPUS=8
CONFIG_SOC_VIRT=y
CONFIG_RISCV_ISA_C=y
CONFIG_FPU=y
CONFIG_RISCV_SBI_V01=y
CONFIG_NONPORTABLE=y
# CONFIG_EFI is not set
CONFIG_PRINTK=y
CONFIG_MULTIUSER=y
CONFIG_FUTEX=y
CONFIG_POSIX_TIMERS=y
CONFIG_BINFMT_ELF=y
CONFIG_BINFMT_SCRIPT=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_RD_GZIP=y
CONFIG_TTY=y
CONFIG_UNIX98_PTYS=y
CONFIG_HVC_RISCV_SBI=y
CONFIG_SERIAL_EARLYCON_RISCV_SBI=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_SERIAL_OF_PLATFORM=y
CONFIG_DEVTMPFS=y
CONFIG_DEVTMPFS_MOUNT=y
CONFIG_PROC_FS=y
CONFIG_SYSFS=y
CONFIG_SHMEM=y
CONFIG_TMPFS=y
CONFIG_BLOCK=y
CONFIG_EXT2_FS=y
CONFIG_EXT4_FS=y
CONFIG_9P_FS=y
CONFIG_VIRTIO_MENU=y
CONFIG_VIRTIO_MMIO=y
CONFIG_VIRTIO_BLK=y
CONFIG_VIRTIO_CONSOLE=y
CONFIG_HW_RANDOM=y
CONFIG_HW_RANDOM_VIRTIO=y
CONFIG_NET=y
CONFIG_UNIX=y
CONFIG_PACKET=y
CONFIG_INET=y
CONFIG_NETDEVICES=y
CONFIG_NET_CORE=y
CONFIG_VIRTIO_NET=y
CONFIG_NET_9P=y
CONFIG_NET_9P_VIRTIO=y
CONFIG_POWER_RESET=y
CONFIG_POWER_RESET_SYSCON=y
CONFIG_POWER_RESET_SYSCON_POWEROFF=y
# CONFIG_IPV6 is not set
# CONFIG_VT is not set
# CONFIG_INPUT is not set
# CONFIG_SERIO is not set
`;

/** Lines set in BusyBox's .config after `make defconfig`. */
export const BUSYBOX_CONFIG: Record<string, string> = {
  CONFIG_STATIC: 'y',
};

/** The initramfs's /init: mount the pseudo filesystems, announce readiness, start a shell on the console. */
export const INIT_SCRIPT = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
echo "MACROHARD guest: $(uname -sr) on $(uname -m)"
exec setsid cttyhack /bin/sh
`;

/**
 * BusyBox udhcpc's hook, /usr/share/udhcpc/default.script: udhcpc only obtains the lease and
 * passes it in the environment; this sets the interface, default route and name servers from it.
 */
export const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
deconfig)
  ifconfig "$interface" up 0.0.0.0
  ;;
bound|renew)
  ifconfig "$interface" "$ip" netmask "\${subnet:-255.255.255.0}"
  if [ -n "$router" ]; then
    route del default dev "$interface" 2>/dev/null
    set -- $router
    route add default gw "$1" dev "$interface"
  fi
  : > /etc/resolv.conf
  for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
  ;;
esac
exit 0
`;

/** Debian packages the build needs (for error messages and CI). */
export const BUILD_PACKAGES = ['gcc-riscv64-linux-gnu', 'libc6-dev-riscv64-cross', 'linux-source-6.1', 'bc', 'flex', 'bison', 'make', 'xz-utils', 'bzip2', 'dpkg-dev'];

// The virtio-mmio transport, version 2 (Virtio 1.2 §4.2.2): the register window through which a
// driver discovers a device, negotiates features, sets up its virtqueues and notifies it. The
// device behind it implements VirtioDevice and never sees registers. Register offsets:
//   0x000 MagicValue  0x004 Version  0x008 DeviceID  0x00c VendorID
//   0x010 DeviceFeatures  0x014 DeviceFeaturesSel  0x020 DriverFeatures  0x024 DriverFeaturesSel
//   0x030 QueueSel  0x034 QueueNumMax  0x038 QueueNum  0x044 QueueReady  0x050 QueueNotify
//   0x060 InterruptStatus  0x064 InterruptACK  0x070 Status
//   0x080/0x084 QueueDesc  0x090/0x094 QueueDriver  0x0a0/0x0a4 QueueDevice
//   0x0fc ConfigGeneration  0x100.. device-specific configuration
import type { AccessSize, DeviceState, IrqLine, MmioDevice } from '../device.js';
import type { GuestRam } from '../memory.js';
import { VirtQueue, VirtqError } from './queue.js';

const MagicValue = 0x000, Version = 0x004, DeviceID = 0x008, VendorID = 0x00c;
const DeviceFeatures = 0x010, DeviceFeaturesSel = 0x014, DriverFeatures = 0x020, DriverFeaturesSel = 0x024;
const QueueSel = 0x030, QueueNumMax = 0x034, QueueNum = 0x038, QueueReady = 0x044, QueueNotify = 0x050;
const InterruptStatus = 0x060, InterruptACK = 0x064, Status = 0x070;
const QueueDescLow = 0x080, QueueDescHigh = 0x084, QueueDriverLow = 0x090, QueueDriverHigh = 0x094;
const QueueDeviceLow = 0x0a0, QueueDeviceHigh = 0x0a4, ConfigGeneration = 0x0fc, Config = 0x100;

const MAGIC = 0x74726976; // "virt"
const VENDOR = 0x4d4801; // MACROHARD
export const VIRTIO_F_VERSION_1 = 1n << 32n;

export const STATUS_ACKNOWLEDGE = 1;
export const STATUS_DRIVER = 2;
export const STATUS_DRIVER_OK = 4;
export const STATUS_FEATURES_OK = 8;
export const STATUS_DEVICE_NEEDS_RESET = 64;
export const STATUS_FAILED = 128;

export const INT_USED_BUFFER = 1;
export const INT_CONFIG_CHANGE = 2;

/** What a virtio device type implements; the transport does the rest. */
export interface VirtioDevice {
  readonly deviceId: number;
  /** Feature bits offered (VIRTIO_F_VERSION_1 is added by the transport). */
  readonly features: bigint;
  /** Maximum size of each of the device's queues. */
  readonly queueSizes: number[];
  /** Called when the driver sets DRIVER_OK, with the queues and the negotiated features. */
  activate(ctx: VirtioContext): void;
  /** The driver notified queue `q`. */
  notify(q: number): void;
  /** Device-specific configuration space. */
  configRead(offset: number, size: AccessSize): number;
  configWrite?(offset: number, size: AccessSize, value: number): void;
  /** The driver reset the device (status written 0). */
  reset(): void;
  save?(): DeviceState;
  restore?(s: DeviceState): void;
}

/** Handed to a device when it goes live. */
export interface VirtioContext {
  readonly ram: GuestRam;
  readonly queues: VirtQueue[];
  readonly features: bigint;
  /** Signals used buffers on `q` (honouring the driver's suppression flag). */
  interrupt(q: number): void;
  /** Signals a configuration change. */
  configChanged(): void;
}

interface QueueRegs {
  num: number;
  ready: number;
  desc: number;
  driver: number;
  device: number;
}

export class VirtioMmio implements MmioDevice, VirtioContext {
  readonly name = 'virtio_mmio';
  readonly size = 0x1000;
  private status = 0;
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private driverFeatures = 0n;
  private queueSel = 0;
  private interruptStatus = 0;
  private configGeneration = 0;
  private regs: QueueRegs[];
  queues: VirtQueue[] = [];

  constructor(readonly ram: GuestRam, private readonly irq: IrqLine, readonly device: VirtioDevice) {
    this.regs = device.queueSizes.map(() => ({ num: 0, ready: 0, desc: 0, driver: 0, device: 0 }));
  }

  get features(): bigint {
    return this.driverFeatures;
  }

  private get offered(): bigint {
    return this.device.features | VIRTIO_F_VERSION_1;
  }

  read(offset: number, size: AccessSize): number {
    if (offset >= Config) return this.device.configRead(offset - Config, size);
    if (size !== 4) return 0;
    const q = this.regs[this.queueSel];
    switch (offset) {
      case MagicValue: return MAGIC;
      case Version: return 2;
      case DeviceID: return this.device.deviceId;
      case VendorID: return VENDOR;
      case DeviceFeatures: return this.deviceFeaturesSel < 2 ? Number((this.offered >> BigInt(32 * this.deviceFeaturesSel)) & 0xffffffffn) : 0;
      case QueueNumMax: return q ? this.device.queueSizes[this.queueSel]! : 0;
      case QueueReady: return q ? q.ready : 0;
      case InterruptStatus: return this.interruptStatus;
      case Status: return this.status;
      case ConfigGeneration: return this.configGeneration;
      default: return 0;
    }
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (offset >= Config) {
      this.device.configWrite?.(offset - Config, size, value);
      return;
    }
    if (size !== 4) return;
    const q = this.regs[this.queueSel];
    const low = (old: number) => old - (old % 2 ** 32) + (value >>> 0);
    const high = (old: number) => (old % 2 ** 32) + (value >>> 0) * 2 ** 32;
    switch (offset) {
      case DeviceFeaturesSel: this.deviceFeaturesSel = value; break;
      case DriverFeaturesSel: this.driverFeaturesSel = value; break;
      case DriverFeatures:
        if (this.driverFeaturesSel < 2) {
          const shift = BigInt(32 * this.driverFeaturesSel);
          this.driverFeatures = (this.driverFeatures & ~(0xffffffffn << shift)) | (BigInt(value >>> 0) << shift);
        }
        break;
      case QueueSel: this.queueSel = value; break;
      case QueueNum: if (q) q.num = value; break;
      case QueueReady: if (q) q.ready = value & 1; break;
      case QueueDescLow: if (q) q.desc = low(q.desc); break;
      case QueueDescHigh: if (q) q.desc = high(q.desc); break;
      case QueueDriverLow: if (q) q.driver = low(q.driver); break;
      case QueueDriverHigh: if (q) q.driver = high(q.driver); break;
      case QueueDeviceLow: if (q) q.device = low(q.device); break;
      case QueueDeviceHigh: if (q) q.device = high(q.device); break;
      case QueueNotify:
        if (this.status & STATUS_DRIVER_OK && value < this.queues.length) this.guard(() => this.device.notify(value));
        break;
      case InterruptACK:
        this.interruptStatus &= ~value;
        this.irq.set(this.interruptStatus !== 0);
        break;
      case Status: this.setStatus(value); break;
    }
  }

  private setStatus(value: number): void {
    if (value === 0) {
      this.reset();
      return;
    }
    if (value & STATUS_FEATURES_OK && !(this.status & STATUS_FEATURES_OK)) {
      // Refuse feature sets we did not offer, or without VERSION_1: FEATURES_OK then reads back clear.
      if ((this.driverFeatures & ~this.offered) !== 0n || !(this.driverFeatures & VIRTIO_F_VERSION_1)) value &= ~STATUS_FEATURES_OK;
    }
    const goingLive = value & STATUS_DRIVER_OK && !(this.status & STATUS_DRIVER_OK);
    this.status = value;
    if (goingLive) {
      this.guard(() => {
        this.queues = this.regs.map((r, i) => (r.ready ? new VirtQueue(this.ram, r.num || this.device.queueSizes[i]!, r.desc, r.driver, r.device) : undefined!));
        this.device.activate(this);
      });
    }
  }

  /** Runs device work; a malformed ring from the driver marks the device as needing reset instead of crashing the VMM. */
  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      if (!(e instanceof VirtqError)) throw e;
      this.status |= STATUS_DEVICE_NEEDS_RESET;
      this.configChanged();
    }
  }

  private reset(): void {
    this.status = 0;
    this.driverFeatures = 0n;
    this.interruptStatus = 0;
    this.queueSel = 0;
    this.queues = [];
    this.regs = this.device.queueSizes.map(() => ({ num: 0, ready: 0, desc: 0, driver: 0, device: 0 }));
    this.irq.set(false);
    this.device.reset();
  }

  interrupt(q: number): void {
    const queue = this.queues[q];
    if (queue && queue.interruptSuppressed) return;
    this.interruptStatus |= INT_USED_BUFFER;
    this.irq.set(true);
  }

  configChanged(): void {
    this.configGeneration++;
    this.interruptStatus |= INT_CONFIG_CHANGE;
    this.irq.set(true);
  }

  save(): DeviceState {
    return {
      status: this.status, driverFeatures: this.driverFeatures.toString(), queueSel: this.queueSel,
      interruptStatus: this.interruptStatus, configGeneration: this.configGeneration, regs: this.regs.map((r) => ({ ...r })),
      lastAvail: this.queues.map((q) => q?.lastAvail ?? 0), device: this.device.save?.() ?? {},
    };
  }

  restore(s: DeviceState): void {
    this.status = s['status'] as number;
    this.driverFeatures = BigInt(s['driverFeatures'] as string);
    this.queueSel = s['queueSel'] as number;
    this.interruptStatus = s['interruptStatus'] as number;
    this.configGeneration = s['configGeneration'] as number;
    this.regs = (s['regs'] as QueueRegs[]).map((r) => ({ ...r }));
    if (this.status & STATUS_DRIVER_OK) {
      this.queues = this.regs.map((r, i) => (r.ready ? new VirtQueue(this.ram, r.num || this.device.queueSizes[i]!, r.desc, r.driver, r.device) : undefined!));
      (s['lastAvail'] as number[]).forEach((v, i) => { if (this.queues[i]) this.queues[i]!.lastAvail = v; });
      this.device.activate(this);
    }
    this.device.restore?.(s['device'] as DeviceState);
    this.irq.set(this.interruptStatus !== 0);
  }
}

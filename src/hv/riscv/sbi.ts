// The Supervisor Binary Interface, answered by the hypervisor in TypeScript (see
// docs/hypervisor.md for why no M-mode firmware runs): an `ecall` from S-mode leaves the core
// with Exit.Sbi and lands here. Extensions, as the SBI specification v2.0 numbers them:
//   legacy 0x00-0x08  set_timer, console_putchar/getchar, clear/send_ipi, remote fences, shutdown
//   BASE   0x10       spec/impl versions, probe_extension, machine ids
//   TIME   "TIME"     set_timer          IPI "sPI"    send_ipi
//   RFENCE "RFNC"     remote fence.i / sfence.vma (all local to the host's hart loop)
//   HSM    "HSM"      hart_start, hart_stop, hart_get_status, hart_suspend
//   SRST   "SRST"     system_reset (shutdown, cold and warm reboot)
//   DBCN   "DBCN"     console_write, console_read, console_write_byte
// Arguments in a0-a5, function id in a6, extension id in a7; the result is a0 = error, a1 = value
// (legacy calls return only a0).
import type { RiscvHart } from './engine.js';

export const SBI_SUCCESS = 0;
export const SBI_ERR_FAILED = -1;
export const SBI_ERR_NOT_SUPPORTED = -2;
export const SBI_ERR_INVALID_PARAM = -3;
export const SBI_ERR_INVALID_ADDRESS = -5;
export const SBI_ERR_ALREADY_STARTED = -7;
export const SBI_ERR_ALREADY_STOPPED = -8;

export const EXT_BASE = 0x10;
export const EXT_TIME = 0x54494d45;
export const EXT_IPI = 0x735049;
export const EXT_RFENCE = 0x52464e43;
export const EXT_HSM = 0x48534d;
export const EXT_SRST = 0x53525354;
export const EXT_DBCN = 0x4442434e;

const SPEC_VERSION = (2 << 24) | 0; // v2.0
/** Implementation id: a value no registered SBI implementation uses. */
export const IMPL_ID = 0x4d48; // "MH"

export enum HartState {
  Started = 0,
  Stopped = 1,
  StartPending = 2,
  StopPending = 3,
  Suspended = 4,
}

export enum ResetType {
  Shutdown = 0,
  ColdReboot = 1,
  WarmReboot = 2,
}

/** What the SBI needs from the machine. Hart ids are the guest's (mhartid). */
export interface SbiPlatform {
  readonly hartCount: number;
  consoleWrite(bytes: Uint8Array): void;
  /** Next input byte, or -1 when none is waiting. */
  consoleRead(): number;
  setTimer(hart: number, time: bigint): void;
  sendIpi(harts: number[]): void;
  /** Remote fences: the target harts flush their TLBs. */
  remoteFence(harts: number[]): void;
  /** Remote fence.i: the target harts drop code translated from memory that may have changed. */
  remoteFenceI(harts: number[]): void;
  hartStart(hart: number, startAddr: bigint, opaque: bigint): number;
  hartStop(hart: number): number;
  hartStatus(hart: number): HartState;
  systemReset(type: ResetType, reason: number): void;
  /** Guest physical memory for DBCN; undefined when the range is not RAM. */
  guestBytes(pa: bigint, len: number): Uint8Array | undefined;
}

export class Sbi {
  constructor(private readonly platform: SbiPlatform) {}

  /** Answers the call the hart is stopped at and steps it past its ecall. */
  handle(hart: RiscvHart, hartId: number): void {
    const a = (i: number): bigint => hart.x(10 + i);
    const eid = Number(BigInt.asUintN(32, hart.x(17)));
    const fid = Number(BigInt.asUintN(32, hart.x(16)));
    let legacy = false;
    let err = SBI_SUCCESS;
    let value = 0n;
    const p = this.platform;
    if (eid <= 8) {
      legacy = true;
      switch (eid) {
        case 0: p.setTimer(hartId, BigInt.asUintN(64, a(0))); break;
        case 1: p.consoleWrite(Uint8Array.of(Number(a(0) & 0xffn))); break;
        case 2: err = p.consoleRead(); break;
        case 3: break; // clear_ipi: the guest clears sip.SSIP itself
        case 4: p.sendIpi(this.allHarts()); break; // the mask is behind a guest virtual pointer: all harts
        case 5: p.remoteFenceI(this.allHarts()); break;
        case 6: case 7: p.remoteFence(this.allHarts()); break;
        case 8: p.systemReset(ResetType.Shutdown, 0); break;
      }
    } else {
      switch (eid) {
        case EXT_BASE:
          switch (fid) {
            case 0: value = BigInt(SPEC_VERSION); break;
            case 1: value = BigInt(IMPL_ID); break;
            case 2: value = 1n; break;
            case 3: value = this.probe(Number(BigInt.asUintN(32, a(0)))) ? 1n : 0n; break;
            case 4: case 5: case 6: value = 0n; break;
            default: err = SBI_ERR_NOT_SUPPORTED;
          }
          break;
        case EXT_TIME:
          if (fid === 0) p.setTimer(hartId, BigInt.asUintN(64, a(0)));
          else err = SBI_ERR_NOT_SUPPORTED;
          break;
        case EXT_IPI:
          if (fid !== 0) err = SBI_ERR_NOT_SUPPORTED;
          else {
            const harts = this.maskHarts(a(0), a(1));
            if (harts) p.sendIpi(harts);
            else err = SBI_ERR_INVALID_PARAM;
          }
          break;
        case EXT_RFENCE:
          if (fid > 6) err = SBI_ERR_NOT_SUPPORTED;
          else {
            const harts = this.maskHarts(a(0), a(1));
            if (!harts) err = SBI_ERR_INVALID_PARAM;
            else if (fid === 0) p.remoteFenceI(harts);
            else p.remoteFence(harts);
          }
          break;
        case EXT_HSM:
          switch (fid) {
            case 0: err = p.hartStart(Number(a(0)), BigInt.asUintN(64, a(1)), BigInt.asUintN(64, a(2))); break;
            case 1: err = p.hartStop(hartId); break;
            case 2: {
              const h = Number(a(0));
              if (h < 0 || h >= p.hartCount) err = SBI_ERR_INVALID_PARAM;
              else value = BigInt(p.hartStatus(h));
              break;
            }
            case 3: break; // hart_suspend: a retentive suspend is a WFI, which the guest then executes
            default: err = SBI_ERR_NOT_SUPPORTED;
          }
          break;
        case EXT_SRST:
          if (fid === 0 && a(0) <= 2n) p.systemReset(Number(a(0)) as ResetType, Number(a(1)));
          else err = fid === 0 ? SBI_ERR_INVALID_PARAM : SBI_ERR_NOT_SUPPORTED;
          break;
        case EXT_DBCN:
          if (fid === 0 || fid === 1) {
            const len = Number(BigInt.asUintN(32, a(0)));
            // On RV64 the whole address is in base_addr_lo; base_addr_hi must be zero.
            const bytes = a(2) === 0n ? p.guestBytes(BigInt.asUintN(64, a(1)), len) : undefined;
            if (!bytes) err = SBI_ERR_INVALID_PARAM;
            else if (fid === 0) {
              p.consoleWrite(bytes);
              value = BigInt(len);
            } else {
              let n = 0;
              for (; n < len; n++) {
                const c = p.consoleRead();
                if (c < 0) break;
                bytes[n] = c;
              }
              value = BigInt(n);
            }
          } else if (fid === 2) p.consoleWrite(Uint8Array.of(Number(a(0) & 0xffn)));
          else err = SBI_ERR_NOT_SUPPORTED;
          break;
        default:
          err = SBI_ERR_NOT_SUPPORTED;
      }
    }
    hart.setX(10, err);
    if (!legacy) hart.setX(11, value);
    hart.pc = hart.pc + 4n;
  }

  private probe(eid: number): boolean {
    return [EXT_BASE, EXT_TIME, EXT_IPI, EXT_RFENCE, EXT_HSM, EXT_SRST, EXT_DBCN].includes(eid) || (eid >= 0 && eid <= 8);
  }

  private allHarts(): number[] {
    return Array.from({ length: this.platform.hartCount }, (_, i) => i);
  }

  /** Decodes (hart_mask, hart_mask_base); a base of all ones means every hart. */
  private maskHarts(mask: bigint, base: bigint): number[] | undefined {
    if (BigInt.asUintN(64, base) === 0xffffffffffffffffn) return this.allHarts();
    const out: number[] = [];
    const m = BigInt.asUintN(64, mask);
    for (let i = 0; i < 64; i++) {
      if ((m >> BigInt(i)) & 1n) {
        const h = Number(base) + i;
        if (h >= this.platform.hartCount) return undefined;
        out.push(h);
      }
    }
    return out;
  }
}

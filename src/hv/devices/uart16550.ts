// The 16550A UART, as "ns16550a" in a device tree: the guest's serial console. Registers are one
// byte apart (reg-shift 0), named as in the National Semiconductor PC16550D datasheet:
//   0 RBR (read) / THR (write) / DLL (DLAB=1)    4 MCR
//   1 IER / DLM (DLAB=1)                         5 LSR
//   2 IIR (read) / FCR (write)                   6 MSR
//   3 LCR                                        7 SCR
// Transmission is instant: a THR write goes straight to `output`, and the THR-empty interrupt is
// raised again at once, as on an idle line. Received bytes queue in an unbounded host-side FIFO
// (the host decides about flow control); the receive interrupt is raised while data is ready.
import type { AccessSize, DeviceState, IrqLine, MmioDevice } from '../device.js';

const RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

const IER_ERBFI = 0x01; // received data available
const IER_ETBEI = 0x02; // transmitter holding register empty
const IIR_NO_INT = 0x01;
const IIR_THRI = 0x02;
const IIR_RDI = 0x04;
const IIR_FIFO = 0xc0;
const LCR_DLAB = 0x80;
const LSR_DR = 0x01;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_DCD = 0x80;
const FCR_ENABLE = 0x01;
const FCR_CLEAR_RX = 0x02;

export class Uart16550 implements MmioDevice {
  readonly name = 'serial';
  readonly size = 0x100;
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private scr = 0;
  private fcr = 0;
  private dll = 12; // 9600 baud at 1.8432 MHz, the power-on divisor firmware expects
  private dlm = 0;
  private thrPending = false;
  private rx: number[] = [];

  /** `output` receives every byte the guest transmits. */
  constructor(private readonly irq: IrqLine, private readonly output: (byte: number) => void) {}

  /** Queues bytes typed at the console for the guest to read. */
  input(bytes: Uint8Array | number[]): void {
    for (const b of bytes) this.rx.push(b & 0xff);
    this.update();
  }

  get rxQueued(): number {
    return this.rx.length;
  }

  read(offset: number, _size: AccessSize): number {
    switch (offset) {
      case RBR:
        if (this.lcr & LCR_DLAB) return this.dll;
        {
          const b = this.rx.shift() ?? 0;
          this.update();
          return b;
        }
      case IER:
        return this.lcr & LCR_DLAB ? this.dlm : this.ier;
      case IIR: {
        const id = this.interruptId();
        // Reading IIR while it reports THR empty acknowledges that interrupt.
        if (id === IIR_THRI) {
          this.thrPending = false;
          this.update();
        }
        return id | (this.fcr & FCR_ENABLE ? IIR_FIFO : 0);
      }
      case LCR: return this.lcr;
      case MCR: return this.mcr;
      case LSR: return (this.rx.length ? LSR_DR : 0) | LSR_THRE | LSR_TEMT;
      case MSR: return MSR_CTS | MSR_DSR | MSR_DCD;
      case SCR: return this.scr;
      default: return 0;
    }
  }

  write(offset: number, _size: AccessSize, value: number): void {
    value &= 0xff;
    switch (offset) {
      case THR:
        if (this.lcr & LCR_DLAB) {
          this.dll = value;
          return;
        }
        this.output(value);
        this.thrPending = true;
        break;
      case IER:
        if (this.lcr & LCR_DLAB) {
          this.dlm = value;
          return;
        }
        // Enabling the THR-empty interrupt while the transmitter is idle raises it at once.
        if (value & IER_ETBEI && !(this.ier & IER_ETBEI)) this.thrPending = true;
        this.ier = value & 0x0f;
        break;
      case FCR:
        this.fcr = value;
        if (value & FCR_CLEAR_RX) this.rx = [];
        break;
      case LCR: this.lcr = value; break;
      case MCR: this.mcr = value & 0x1f; break;
      case SCR: this.scr = value; break;
      default: return;
    }
    this.update();
  }

  private interruptId(): number {
    if (this.ier & IER_ERBFI && this.rx.length) return IIR_RDI;
    if (this.ier & IER_ETBEI && this.thrPending) return IIR_THRI;
    return IIR_NO_INT;
  }

  private update(): void {
    this.irq.set(this.interruptId() !== IIR_NO_INT);
  }

  save(): DeviceState {
    return { ier: this.ier, lcr: this.lcr, mcr: this.mcr, scr: this.scr, fcr: this.fcr, dll: this.dll, dlm: this.dlm, thrPending: this.thrPending, rx: [...this.rx] };
  }

  restore(s: DeviceState): void {
    this.ier = s['ier'] as number;
    this.lcr = s['lcr'] as number;
    this.mcr = s['mcr'] as number;
    this.scr = s['scr'] as number;
    this.fcr = s['fcr'] as number;
    this.dll = s['dll'] as number;
    this.dlm = s['dlm'] as number;
    this.thrPending = s['thrPending'] as boolean;
    this.rx = [...(s['rx'] as number[])];
    this.update();
  }
}

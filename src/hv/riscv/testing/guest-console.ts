// Drives a guest's serial console from a test as a person at the terminal would: wait for a
// pattern in the output, type a line, wait again. Output is kept whole for failure messages.
export class GuestConsole {
  private text = '';
  private mark = 0;
  private waiter: { re: RegExp; resolve: () => void } | undefined;

  /** Feed for the machine's `output`. */
  readonly sink = (bytes: Uint8Array): void => {
    this.text += new TextDecoder().decode(bytes);
    if (this.waiter && this.waiter.re.test(this.text.slice(this.mark))) this.waiter.resolve();
  };

  get output(): string {
    return this.text;
  }

  /** Output since the last expect() matched. */
  get recent(): string {
    return this.text.slice(this.mark);
  }

  /** Waits until `re` appears after the previous match; rejects after `ms` with the recent output. */
  expect(re: RegExp, ms = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiter = undefined;
        const rest = this.text.slice(this.mark);
        const m = re.exec(rest)!;
        const upto = this.mark + m.index + m[0].length;
        const seen = this.text.slice(this.mark, upto);
        this.mark = upto;
        resolve(seen);
      };
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`timed out waiting for ${re}; console since last match:\n${this.text.slice(this.mark).slice(-2000)}`));
      }, ms);
      if (re.test(this.text.slice(this.mark))) done();
      else this.waiter = { re, resolve: done };
    });
  }
}

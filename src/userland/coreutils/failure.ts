// Failure: an error an applet reports in its own words. main prints `NAME: message` and exits
// with `status`. Kept in its own module, free of libmh, so pure modules (sed-script.ts) can
// throw it and still be unit-tested on the host.

export class Failure extends Error {
  constructor(message: string, readonly status = 1) {
    super(message);
    this.name = 'Failure';
  }
}

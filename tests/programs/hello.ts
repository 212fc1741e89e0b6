// Prints its arguments, the way echo does, with a greeting: the smallest real program.
import { println } from 'libmh';

export function main(argv: string[]): number {
  println('hello', ...argv.slice(1));
  return 0;
}

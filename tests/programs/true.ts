// Does nothing, successfully: the trivial program spawn is measured with.
export function main(): number {
  return 0;
}

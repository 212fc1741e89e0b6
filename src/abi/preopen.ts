// The directories a WebAssembly program finds preopened, from the schemes its namespace names
// (null: all of them): `/` when it has `file:` (or everything), and /scheme/NAME for each other
// scheme. The kernel reserves a descriptor for each at spawn and the runtime names them, in
// this order, so both take the list from here.

export function preopenNames(schemes: readonly string[] | null): string[] {
  if (schemes === null) return ['/'];
  return [...(schemes.includes('file') ? ['/'] : []), ...schemes.filter((s) => s !== 'file').map((s) => `/scheme/${s}`)];
}

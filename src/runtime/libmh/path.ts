// Path spelling: `NAME:rest` is the short form of `/scheme/NAME/rest`, accepted wherever
// libmh takes a path (the kernel itself knows only the long form).

const SHORT = /^([a-z0-9][a-z0-9_.-]{0,63}):(.*)$/s;

export function toKernelPath(path: string): string {
  const m = SHORT.exec(path);
  if (!m) return path;
  const rest = m[2]!.replace(/^\/+/, '');
  return rest ? `/scheme/${m[1]}/${rest}` : `/scheme/${m[1]}`;
}

// The user database's text formats, shared by the image builder (which writes them) and by
// login, su, id, whoami and passwd (which read them, and passwd rewrites one):
//
//   /etc/passwd   name:x:uid:gid:full name:home:shell     (0644: everyone may read it)
//   /etc/shadow   name:hash                               (0600: root only)
//   /etc/group    name:x:gid:member,member                (0644)
//   /etc/schemes  name:scheme,scheme                      (0644: the schemes a user may name)
//
// The classic Unix layout, so that what people know (and what C programs parse) holds. The
// hashes live in /etc/shadow rather than in /etc/passwd so that no one but root can read them
// and try passwords against them offline; see docs/build.md.

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface ShadowEntry {
  name: string;
  hash: string;
}

function lines(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

function id(s: string | undefined): number {
  const n = Number(s);
  return s !== undefined && s !== '' && Number.isInteger(n) && n >= 0 ? n : -1;
}

export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text)
    .filter((f) => f.length >= 7)
    .map((f) => ({ name: f[0]!, uid: id(f[2]), gid: id(f[3]), gecos: f[4]!, home: f[5]!, shell: f[6]! }))
    .filter((e) => e.name !== '' && e.uid >= 0 && e.gid >= 0);
}

export function formatPasswd(entries: PasswdEntry[]): string {
  return entries.map((e) => `${e.name}:x:${e.uid}:${e.gid}:${e.gecos}:${e.home}:${e.shell}\n`).join('');
}

export function parseGroup(text: string): GroupEntry[] {
  return lines(text)
    .filter((f) => f.length >= 3)
    .map((f) => ({ name: f[0]!, gid: id(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }))
    .filter((g) => g.name !== '' && g.gid >= 0);
}

export function formatGroup(groups: GroupEntry[]): string {
  return groups.map((g) => `${g.name}:x:${g.gid}:${g.members.join(',')}\n`).join('');
}

export function parseShadow(text: string): ShadowEntry[] {
  // The hash itself contains no ':' ($-separated fields), so the second field is all of it.
  return lines(text)
    .filter((f) => f.length >= 2)
    .map((f) => ({ name: f[0]!, hash: f[1]! }));
}

export function formatShadow(entries: ShadowEntry[]): string {
  return entries.map((e) => `${e.name}:${e.hash}\n`).join('');
}

/** /etc/schemes: `name:scheme,scheme` — the schemes a user's sessions may name. */
export interface SchemesEntry {
  name: string;
  schemes: string[];
}

export function parseSchemes(text: string): SchemesEntry[] {
  return lines(text)
    .filter((f) => f.length >= 2)
    .map((f) => ({ name: f[0]!, schemes: f[1]!.split(',').map((x) => x.trim()).filter(Boolean) }));
}

export function formatSchemes(entries: SchemesEntry[]): string {
  return '# user:schemes — login narrows the user\'s namespace to these (users not listed keep all)\n' +
    entries.map((e) => `${e.name}:${e.schemes.join(',')}\n`).join('');
}

/** A field that would break the line format (a ':' or a newline) is refused. */
export function validField(s: string): boolean {
  return !/[:\n]/.test(s);
}

/** Groups a user belongs to: the primary group, and every group listing the user as member. */
export function groupsOf(user: PasswdEntry, groups: GroupEntry[]): GroupEntry[] {
  return groups.filter((g) => g.gid === user.gid || g.members.includes(user.name));
}

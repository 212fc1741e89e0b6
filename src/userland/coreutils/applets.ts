// The names this multi-call program answers to. The boot image makes each one a link to
// /bin/coreutils; main.ts dispatches on the name it was started as (argv[0]'s basename), and
// its table is checked against this list at compile time, so the two cannot drift apart.

export const APPLETS = [
  'basename', 'cat', 'chgrp', 'chmod', 'chown', 'clear', 'cp', 'cut', 'date', 'df', 'dirname',
  'dmesg', 'du', 'echo', 'env', 'false', 'find', 'free', 'grep', 'egrep', 'fgrep', 'halt', 'head',
  'hexdump', 'kill', 'ln', 'ls', 'mkdir', 'mount', 'mv', 'poweroff', 'printf', 'ps', 'pwd', 'readlink', 'reboot',
  'rm', 'rmdir', 'sed', 'seq', 'shutdown', 'sleep', 'sort', 'stat', 'tail', 'tee', 'top', 'touch', 'tr',
  'true', 'uname', 'uniq', 'uptime', 'wc', 'which', 'xargs', 'yes',
] as const;

export type AppletName = (typeof APPLETS)[number];

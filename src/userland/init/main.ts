// init, PID 1: starts the services of its configuration in order (waiting for each scheme a
// service provides), restarts the ones that die, runs the console program, and shuts the
// system down cleanly: on SIGTERM (poweroff), SIGINT (reboot), when the console program exits
// (if so configured), or after the one command given on the kernel command line as
// `run=COMMAND` (how `macrohard boot -c` works). Its exit status tells the host what to do:
// 0-199 power off with that status, 200 reboot.

import * as mh from 'libmh';
import { parseConfig, type InitConfig, type Service } from './config.js';

export const REBOOT_STATUS = 200;

interface Running {
  service: Service;
  pid: number;
  started: number;
  restarts: number;
}

const running = new Map<number, Running>();
let stopping: 'poweroff' | 'reboot' | null = null;

function log(msg: string): void {
  mh.eprintln(`init: ${msg}`);
}

/**
 * What every root filesystem has, made when missing (a fresh RAM root, an image built without
 * them): /dev's links into the device schemes, and a world-writable /tmp.
 */
function populateRoot(): void {
  const links: [string, string][] = [['null', '/scheme/null'], ['zero', '/scheme/zero'], ['random', '/scheme/rand'], ['urandom', '/scheme/rand']];
  try {
    if (!mh.exists('/dev')) mh.mkdir('/dev', 0o755);
    for (const [name, target] of links) {
      try {
        mh.lstat(`/dev/${name}`);
      } catch {
        mh.symlink(target, `/dev/${name}`);
      }
    }
    if (!mh.exists('/tmp')) {
      mh.mkdir('/tmp', 0o1777);
      mh.chmod('/tmp', 0o1777);
    }
  } catch (e) {
    log(`cannot populate the root filesystem: ${(e as Error).message}`);
  }
}

/** Reads and parses a configuration; null if the file is not there, and a message if it is bad. */
function readConfig(path: string): InitConfig | null {
  let text: string;
  try {
    text = mh.readText(path);
  } catch {
    return null;
  }
  try {
    return parseConfig(text);
  } catch (e) {
    log(`${path}: ${(e as Error).message}`);
    return null;
  }
}

function kernelCmdline(): Map<string, string> {
  const out = new Map<string, string>();
  let text = '';
  try {
    text = mh.readText('/scheme/sys/cmdline').trim();
  } catch {
    return out;
  }
  // run=... takes the rest of the line: it is a whole shell command.
  const run = text.indexOf('run=');
  if (run >= 0) {
    out.set('run', text.slice(run + 4));
    text = text.slice(0, run);
  }
  for (const w of text.split(/\s+/).filter(Boolean)) {
    const eq = w.indexOf('=');
    out.set(eq < 0 ? w : w.slice(0, eq), eq < 0 ? '' : w.slice(eq + 1));
  }
  return out;
}

function schemeExists(name: string): boolean {
  return mh.readText('/scheme/sys/schemes').split('\n').includes(name);
}

/** Starts a service; null if it could not start or died before providing its scheme. */
function startService(s: Service, env: string[]): Running | null {
  let ready = -1;
  let fds: [number, number][] = [[0, 0], [1, 1], [2, 2]];
  let readyWrite = -1;
  if (s.provides) {
    [ready, readyWrite] = mh.pipe();
    fds = [...fds, [3, readyWrite]];
  }
  let pid: number;
  try {
    pid = mh.spawn(s.cmd[0]!, s.cmd, { fds, env, setsid: true });
  } catch (e) {
    log(`cannot start ${s.name}: ${(e as Error).message}`);
    if (ready >= 0) {
      mh.close(ready);
      mh.close(readyWrite);
    }
    return null;
  }
  if (ready >= 0) {
    mh.close(readyWrite);
    // One byte when the scheme is registered, or end of file if the service died first.
    const got = mh.read(ready, new Uint8Array(1));
    mh.close(ready);
    if (got === 0) {
      log(`${s.name} exited before providing ${s.provides}`);
      mh.waitpid(pid);
      return null;
    }
  }
  const r = { service: s, pid, started: mh.now(), restarts: 0 };
  running.set(pid, r);
  return r;
}

function stopServices(): void {
  const pids = [...running.keys()].reverse();
  for (const pid of pids) {
    try {
      mh.kill(pid, mh.Sig.SIGTERM);
    } catch {
      /* already gone */
    }
  }
  // Filesystem daemons commit what they hold when they stop: give them time to.
  const deadline = mh.now() + 10_000;
  while (running.size && mh.now() < deadline) {
    const r = mh.waitpid(-1, mh.WNOHANG);
    if (r) running.delete(r.pid);
    else mh.sleep(10);
  }
  for (const pid of running.keys()) {
    try {
      mh.kill(pid, mh.Sig.SIGKILL);
    } catch {
      /* already gone */
    }
  }
  running.clear();
}

export function main(): number {
  if (mh.getpid() !== 1) log('warning: not running as PID 1');
  mh.signal(mh.Sig.SIGTERM, () => void (stopping = 'poweroff'));
  mh.signal(mh.Sig.SIGINT, () => void (stopping = 'reboot'));
  // Two stages, as in Redox: initfs's configuration starts what the root filesystem needs;
  // then the root's /etc/init.toml, if there is one, adds its services and may replace the
  // console and environment.
  const early = readConfig('/scheme/initfs/etc/init.toml');
  if (!early) {
    log('no usable /scheme/initfs/etc/init.toml');
    return 1;
  }
  let cfg: InitConfig = early;
  const cmdline = kernelCmdline();
  const wanted = (s: Service): boolean => {
    if (s.unlessScheme && schemeExists(s.unlessScheme)) return false;
    if (!s.when) return true;
    const eq = s.when.indexOf('=');
    return eq < 0 ? cmdline.has(s.when) : cmdline.get(s.when.slice(0, eq)) === s.when.slice(eq + 1);
  };
  const started = new Set<string>();
  let env: string[] = [];
  const startAll = (c: InitConfig): boolean => {
    for (const [k, v] of Object.entries(c.environment)) mh.setenv(k, v);
    env = Object.entries(mh.env()).map(([k, v]) => `${k}=${v}`);
    for (const s of c.services) {
      if (started.has(s.name) || !wanted(s)) continue;
      started.add(s.name);
      if (!startService(s, env) && s.required) {
        log(`${s.name} is required and did not start: powering off`);
        stopServices();
        return false;
      }
    }
    return true;
  };
  if (!startAll(early)) return 1;
  populateRoot();
  const root = readConfig('/etc/init.toml');
  if (root) {
    if (!startAll(root)) return 1;
    cfg = { ...root, environment: { ...early.environment, ...root.environment } };
  }
  const oneShot = cmdline.get('run');
  const consoleCmd = oneShot !== undefined ? [cfg.console.cmd[0]!, '-c', oneShot] : cfg.console.cmd;
  let consolePid = startConsole(consoleCmd, env);
  let status = consolePid < 0 ? 127 : 0;
  while (!stopping && consolePid >= 0) {
    const r = mh.waitpid(-1, 0, false);
    if (stopping) break;
    if (!r) continue;
    if (r.pid === consolePid) {
      status = mh.exitCode(r.status);
      if (oneShot !== undefined || cfg.console.onExit === 'shutdown') break;
      consolePid = startConsole(consoleCmd, env);
      if (consolePid < 0) status = 127;
      continue;
    }
    const svc = running.get(r.pid);
    if (!svc) continue; // an orphan handed to init: reaped, nothing more
    running.delete(r.pid);
    log(`${svc.service.name} (pid ${r.pid}) exited with status ${mh.exitCode(r.status)}`);
    // A service that keeps dying right after it starts is given up on, not restarted forever.
    const quick = mh.now() - svc.started < 1000;
    const failures = quick ? svc.restarts + 1 : 0;
    if (svc.service.restart === 'always' && failures >= 5) {
      log(`${svc.service.name} failed ${failures} times in a row; not restarting it`);
    } else if (svc.service.restart === 'always') {
      const again = startService(svc.service, env);
      if (again) {
        again.restarts = failures;
        log(`${svc.service.name} restarted (pid ${again.pid})`);
      }
    }
  }
  stopServices();
  return stopping === 'reboot' ? REBOOT_STATUS : Math.min(status, 199);
}

function startConsole(cmd: string[], env: string[]): number {
  try {
    return mh.spawn(cmd[0]!, cmd, { env, setsid: true, fds: [[0, 0], [1, 1], [2, 2]] });
  } catch (e) {
    log(`cannot start the console program ${cmd[0]}: ${(e as Error).message}`);
    return -1;
  }
}

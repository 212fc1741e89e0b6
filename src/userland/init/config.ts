// init's configuration, read from TOML: services in start order, the console, the
// environment every process starts with.

import { parse } from 'smol-toml';

export interface Service {
  name: string;
  cmd: string[];
  /** A scheme the service registers: init waits for its ready byte on fd 3 before going on. */
  provides?: string;
  restart: 'always' | 'never';
  /** Skip the service when this scheme already exists (a disk filesystem already serves file:). */
  unlessScheme?: string;
  /** Start it only when the kernel command line has this `key=value` (or bare `key`). */
  when?: string;
  /** Without it the system cannot run (the root filesystem): if it fails to start, power off. */
  required: boolean;
}

export interface InitConfig {
  services: Service[];
  console: { cmd: string[]; onExit: 'shutdown' | 'respawn' };
  environment: Record<string, string>;
}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string')) throw new Error(`${what} must be a non-empty array of strings`);
  return v as string[];
}

export function parseConfig(text: string): InitConfig {
  const t = parse(text) as Record<string, unknown>;
  const services: Service[] = [];
  const list = (t.service ?? []) as Record<string, unknown>[];
  if (!Array.isArray(list)) throw new Error('[[service]] must be an array of tables');
  for (const s of list) {
    const name = String(s.name ?? '');
    if (!name) throw new Error('a service needs a name');
    const restart = s.restart ?? 'always';
    if (restart !== 'always' && restart !== 'never') throw new Error(`service ${name}: restart must be "always" or "never"`);
    services.push({
      name,
      cmd: strings(s.cmd, `service ${name}: cmd`),
      provides: typeof s.provides === 'string' ? s.provides : undefined,
      restart,
      unlessScheme: typeof s.unless_scheme === 'string' ? s.unless_scheme : undefined,
      when: typeof s.when === 'string' ? s.when : undefined,
      required: s.required === true,
    });
  }
  const c = (t.console ?? {}) as Record<string, unknown>;
  const onExit = c.on_exit ?? 'shutdown';
  if (onExit !== 'shutdown' && onExit !== 'respawn') throw new Error('console.on_exit must be "shutdown" or "respawn"');
  const env = (t.environment ?? {}) as Record<string, unknown>;
  return {
    services,
    console: { cmd: c.cmd === undefined ? ['/bin/sh'] : strings(c.cmd, 'console.cmd'), onExit },
    environment: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
  };
}

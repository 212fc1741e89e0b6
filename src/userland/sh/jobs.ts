// Jobs: every pipeline the shell starts is a job, a process group of one or more processes.
//
// Foreground jobs are waited for with WUNTRACED, so a job stopped by ^Z (or SIGSTOP) comes
// back to the shell as "Stopped" and stays in the table for `fg`/`bg`. Background jobs are
// reaped between commands with WNOHANG; an interactive shell reports them as they finish.
// With a terminal, `fg` hands it the foreground (terminal.ts) before continuing the group.

import * as mh from 'libmh';
import type { Terminal } from './terminal.js';

const WUNTRACED = 2;

export type JobState = 'running' | 'stopped' | 'done';

export interface Job {
  id: number;
  pgid: number;
  pids: number[];
  /** Pids not yet reaped. */
  live: Set<number>;
  /** Status of the last process of the pipeline, once known. */
  status: number;
  state: JobState;
  text: string;
  /** Whether the job has a process group of its own (else it shares the shell's). */
  grouped: boolean;
}

export class JobTable {
  private jobs: Job[] = [];
  private current = 0;
  private previous = 0;
  lastBackground = 0;
  /** Background jobs that stopped (say, reading the terminal) since the last report. */
  private stoppedLately: Job[] = [];

  constructor(private readonly term: Terminal, private readonly shellPgid: number, private readonly err: (s: string) => void) {}

  add(pgid: number, pids: number[], text: string, background: boolean, grouped: boolean): Job {
    const id = this.jobs.reduce((m, j) => Math.max(m, j.id), 0) + 1;
    const job: Job = { id, pgid, pids, live: new Set(pids), status: 0, state: 'running', text, grouped };
    this.jobs.push(job);
    if (background) {
      this.lastBackground = pids[pids.length - 1] ?? 0;
      this.makeCurrent(job);
    }
    return job;
  }

  private makeCurrent(job: Job): void {
    if (this.current !== job.id) {
      this.previous = this.current;
      this.current = job.id;
    }
  }

  private record(job: Job, pid: number, status: number): void {
    if (mh.WaitStatus.ifStopped(status)) {
      if (job.state === 'running') this.stoppedLately.push(job);
      job.state = 'stopped';
      job.status = 128 + mh.WaitStatus.stopSig(status);
      return;
    }
    job.live.delete(pid);
    if (pid === job.pids[job.pids.length - 1]) job.status = mh.exitCode(status);
    if (job.live.size === 0) job.state = 'done';
  }

  /** Waits for a job in the foreground: until every process ends or one stops. */
  waitForeground(job: Job, jobControl: boolean): number {
    if (jobControl) this.term.setForeground(job.pgid);
    let retries = 3;
    try {
      job.state = 'running';
      while (job.live.size > 0 && job.state === 'running') {
        const pid = [...job.live][0]!;
        let r: mh.WaitResult | null;
        try {
          r = mh.waitpid(pid, WUNTRACED);
        } catch {
          job.live.delete(pid); // already reaped elsewhere
          continue;
        }
        if (!r) continue;
        this.record(job, r.pid, r.status);
        // A job that touched the terminal before the shell handed it over was stopped by
        // SIGTTIN/SIGTTOU; it holds the foreground now, so it goes on.
        const sig = mh.WaitStatus.ifStopped(r.status) ? mh.WaitStatus.stopSig(r.status) : 0;
        if (jobControl && (sig === mh.Sig.SIGTTIN || sig === mh.Sig.SIGTTOU) && retries-- > 0) {
          this.stoppedLately = this.stoppedLately.filter((j) => j !== job);
          this.signal(job, mh.Sig.SIGCONT);
        }
      }
    } finally {
      if (jobControl) this.term.reclaim(this.shellPgid);
    }
    if ((job.state as JobState) === 'stopped') {
      this.stoppedLately = this.stoppedLately.filter((j) => j !== job);
      this.makeCurrent(job);
      this.err(`\n[${job.id}]+  Stopped                 ${job.text}\n`);
      return job.status;
    }
    this.remove(job);
    return job.status;
  }

  /** Reaps finished background processes; returns the jobs that completed. */
  reap(): Job[] {
    const done: Job[] = [];
    for (const job of this.jobs) {
      for (const pid of [...job.live]) {
        let r: mh.WaitResult | null = null;
        try {
          r = mh.waitpid(pid, mh.WNOHANG | WUNTRACED);
        } catch {
          job.live.delete(pid);
          if (job.live.size === 0) job.state = 'done';
          continue;
        }
        if (r) this.record(job, r.pid, r.status);
      }
      if (job.state === 'done') done.push(job);
    }
    for (const j of done) this.remove(j);
    return done;
  }

  /** Reports finished jobs as an interactive shell does, before its prompt. */
  notify(): void {
    for (const j of this.reap()) this.err(`[${j.id}]${this.mark(j)}  Done${j.status ? `(${j.status})` : ''}                    ${j.text}\n`);
    for (const j of this.stoppedLately.splice(0)) {
      if (j.state === 'stopped') this.err(`[${j.id}]${this.mark(j)}  Stopped                 ${j.text}\n`);
    }
  }

  private remove(job: Job): void {
    this.jobs = this.jobs.filter((j) => j !== job);
    if (this.current === job.id) {
      this.current = this.previous;
      this.previous = 0;
    }
    if (this.previous === job.id) this.previous = 0;
    if (!this.jobs.some((j) => j.id === this.current)) this.current = this.jobs[this.jobs.length - 1]?.id ?? 0;
  }

  /** `%1`, `%+`/`%%`, `%-`, `%name` (a prefix of the command), or a pid; no spec: the current job. */
  find(spec: string | undefined): Job | undefined {
    if (spec === undefined || spec === '%+' || spec === '%%' || spec === '%') return this.jobs.find((j) => j.id === this.current);
    if (spec === '%-') return this.jobs.find((j) => j.id === this.previous);
    if (/^%\d+$/.test(spec)) return this.jobs.find((j) => j.id === Number(spec.slice(1)));
    if (spec.startsWith('%')) return this.jobs.find((j) => j.text.startsWith(spec.slice(1)));
    if (/^\d+$/.test(spec)) return this.jobs.find((j) => j.pids.includes(Number(spec)));
    return undefined;
  }

  list(): Job[] {
    return [...this.jobs];
  }

  mark(job: Job): string {
    return job.id === this.current ? '+' : job.id === this.previous ? '-' : ' ';
  }

  /** Signals the whole job: its group, or each of its processes when it has no group. */
  signal(job: Job, sig: number): void {
    if (job.grouped) mh.kill(-job.pgid, sig);
    else for (const pid of job.live) mh.kill(pid, sig);
    if (sig === mh.Sig.SIGCONT) job.state = 'running';
  }

  continue(job: Job): void {
    this.signal(job, mh.Sig.SIGCONT);
  }

  forget(job: Job): void {
    this.remove(job);
  }

  /** Waits for every background job (the `wait` builtin); returns the last status. */
  waitAll(): number {
    let status = 0;
    for (const job of [...this.jobs]) {
      if (job.state === 'stopped') continue;
      status = this.waitForeground(job, false);
    }
    return status;
  }
}

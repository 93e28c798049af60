// CPU and memory of processes, read from /proc (Linux only): utime+stime in clock ticks, VmRSS and VmHWM.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) the process has used so far, or null when it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

function commandName(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  } catch {
    return null;
  }
}

function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * CPU of the PostgreSQL backends serving one database (found by their process title, "postgres: ... <user> <db> ...").
 * Backends come and go (pg pools close idle connections after 10 s), so each is tracked from its own first sighting
 * and sampled every intervalMs: one that exits loses at most its last interval. Other databases' backends (the
 * machine is shared) and the server-wide helpers (WAL writer, checkpointer) are left out.
 */
export function postgresBackendCpu(databaseName, intervalMs = 250) {
  const marker = ` ${databaseName} `;
  const first = new Map();
  const last = new Map();
  const sample = () => {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || commandName(entry) !== 'postgres') continue;
      if (!first.has(entry) && !commandLine(entry).includes(marker)) continue;
      const seconds = cpuSeconds(entry);
      if (seconds === null) continue;
      if (!first.has(entry)) first.set(entry, seconds);
      last.set(entry, seconds);
    }
  };
  let timer = null;
  return {
    start() {
      first.clear();
      last.clear();
      sample();
      timer = setInterval(sample, intervalMs);
      timer.unref();
    },
    /** CPU seconds used by the database's backends since start(). */
    stop() {
      clearInterval(timer);
      sample();
      let total = 0;
      for (const [pid, seconds] of last) total += seconds - first.get(pid);
      return total;
    },
  };
}

/** Resident set size now and its high-water mark since the process started, in MiB. */
export function memoryMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

/** Samples a process's RSS every intervalMs; max() says the highest since the last reset(). */
export function rssSampler(pid, intervalMs = 100) {
  let max = 0;
  const sample = () => {
    const { rss } = memoryMiB(pid);
    if (rss > max) max = rss;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    max: () => max,
    reset() {
      max = 0;
      sample();
    },
    stop: () => clearInterval(timer),
  };
}

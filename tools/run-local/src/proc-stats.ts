import { readdirSync, readFileSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat after the command name (field 3 on: index 0 is the state), or
 * undefined when there is no such file (not Linux, or the process is gone).
 */
function statFields(pid: number | undefined): string[] | undefined {
  if (!pid) return undefined;
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux); undefined elsewhere or when gone. */
export function procCpuSeconds(pid: number | undefined): number | undefined {
  const fields = statFields(pid);
  return fields && (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/**
 * How long a process has been running, in seconds (Linux: its start in clock ticks since boot
 * against /proc/uptime); undefined elsewhere or when gone. The bench uses it to keep a CPU
 * profile to the measured run, without the process' start-up.
 */
export function procAgeSeconds(pid: number | undefined): number | undefined {
  const fields = statFields(pid);
  if (!fields) return undefined;
  try {
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return uptime - Number(fields[19]) / 100; // starttime (field 22) in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

/** The pid of a local process by its command name (e.g. `asd`, the Aerospike server), for benchmarks. */
export function pidOf(comm: string): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm) return Number(d);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** Resident memory of a process in bytes (VmRSS, Linux); undefined elsewhere or when gone. */
export function procRssBytes(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

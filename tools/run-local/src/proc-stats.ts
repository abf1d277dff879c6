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

/** What a process did so far, every thread counted (Linux /proc); see procActivity. */
export interface ProcActivity {
  /** CPU seconds in user space and in the kernel (utime, stime). */
  userSeconds: number;
  systemSeconds: number;
  /** Read- and write-type system calls (`syscr`, `syscw` of /proc/<pid>/io: read, readv, write, writev, …). */
  readCalls: number;
  writeCalls: number;
  /** Times a thread went to sleep waiting (voluntary context switches): each is a wakeup later. */
  wakeups: number;
  /** Times a thread was taken off its CPU while it could still run (involuntary context switches). */
  preemptions: number;
}

/**
 * CPU split into user and kernel time, system calls and context switches of a process so far —
 * what the bench divides by the messages to say where a message's cost goes besides the code
 * itself (a wakeup or a loopback write costs tens of µs on a virtual machine). Undefined
 * elsewhere than Linux, or when the process is gone.
 */
export function procActivity(pid: number | undefined): ProcActivity | undefined {
  const fields = statFields(pid);
  if (!fields) return undefined;
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    let wakeups = 0;
    let preemptions = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      let status: string;
      try {
        status = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
      } catch {
        continue; // the thread ended while we looked
      }
      wakeups += Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1] ?? 0);
      preemptions += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1] ?? 0);
    }
    return {
      userSeconds: Number(fields[11]) / 100, // clock ticks (USER_HZ 100)
      systemSeconds: Number(fields[12]) / 100,
      readCalls: Number(/^syscr: (\d+)$/m.exec(io)?.[1] ?? 0),
      writeCalls: Number(/^syscw: (\d+)$/m.exec(io)?.[1] ?? 0),
      wakeups,
      preemptions,
    };
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

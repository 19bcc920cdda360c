/**
 * CPU time of the local runtime, for benchmarks that want the cost of a request rather than its
 * latency: locally every worker, D1, R2 and Queue of the sandbox runs in workerd processes, so the
 * CPU those processes spend on N requests (Linux's /proc, every thread, user and system time) over
 * N is what one request costs the whole platform, its deferred work (waitUntil, queue consumers)
 * included. Every workerd process on the machine is counted: measure on a machine running one sandbox.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

function workerdPids(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd";
      } catch {
        return false;
      }
    });
}

/** CPU milliseconds all workerd processes have used so far, or null where /proc is not there. */
export function workerdCpuMs(): number | null {
  if (!existsSync("/proc/self/stat")) return null;
  let ticks = 0;
  for (const pid of workerdPids()) {
    try {
      // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      // Threads that ended are folded into the process's own times; cutime/cstime are for children.
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/**
 * CPU milliseconds per request of `send` (awaited one at a time, `count` times), `settleMs` after the
 * last answer so that deferred work is counted too; null where /proc is not there.
 */
export async function cpuPerRequest(send: () => Promise<void>, count: number, settleMs = 3000): Promise<number | null> {
  const before = workerdCpuMs();
  if (before === null) return null;
  for (let i = 0; i < count; i++) await send();
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return (workerdCpuMs()! - before) / count;
}

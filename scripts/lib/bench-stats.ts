/**
 * The figures the benchmarks (`npm run bench`, `bench:documents`, `bench:billing`, `bench:partners`)
 * report for a target: one autocannon run reduced to throughput, latency percentiles and failures,
 * the median of several rounds, and a run of a fixed number of requests timed to its last answer.
 */
import autocannon from "autocannon";

export interface Measurement {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** One autocannon result as a {@link Measurement}; timeouts count as errors. */
export function measurementOf(name: string, r: autocannon.Result): Measurement {
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

/** The round with the median throughput, its latencies kept with it; failures summed over all rounds. */
export function medianRound(ms: Measurement[]): Measurement {
  const sorted = [...ms].sort((a, b) => a.rps - b.rps);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  return { ...mid, errors: ms.reduce((n, m) => n + m.errors, 0), non2xx: ms.reduce((n, m) => n + m.non2xx, 0) };
}

/**
 * An autocannon run of a fixed number of requests (`amount`) and the seconds from its start to its
 * last answer. autocannon's own `duration` for such a run is only settled on its next one-second
 * tick, so it rounds every run up to whole seconds: 1,000 requests answered in 2.1 s and in 2.9 s
 * both report 3 s. Throughput of a counted run is `requests.total / seconds`.
 */
export function runCounted(opts: autocannon.Options & { amount: number }): Promise<{ result: autocannon.Result; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let last = started;
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve({ result, seconds: Math.max((last - started) / 1000, 0.001) })));
    instance.on("response", () => {
      last = performance.now();
    });
  });
}

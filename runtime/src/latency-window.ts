/** Latency samples over one reporting interval; `take()` summarises and starts a new interval. */
export class LatencyWindow {
  private samples: number[] = [];

  constructor(private readonly maxSamples = 100_000) {}

  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    // Past the cap keep a uniform-ish subset rather than grow without bound.
    if (this.samples.length < this.maxSamples) this.samples.push(ms);
    else this.samples[Math.floor(Math.random() * this.maxSamples)] = ms;
  }

  take(): { count: number; p50: number; p99: number; max: number } {
    const s = this.samples.sort((a, b) => a - b);
    this.samples = [];
    if (s.length === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
    const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
    return { count: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! };
  }
}

import type { Clock } from '@kpp/runtime';

/** A hand-driven time source: `advance(ms)` fires due timers in deadline order. */
export class FakeTime implements Clock {
  private t: number;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  /** Extra lateness added to each timer firing, to simulate a slow event loop. */
  lateness: (at: number) => number = () => 0;

  constructor(startMs: number) {
    this.t = startMs;
  }
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    const at = this.t + ms;
    this.timers.push({ at: at + this.lateness(at), fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const first = this.timers[0];
      if (!first || first.at > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, first.at);
      first.fn();
    }
    this.t = end;
  }
}

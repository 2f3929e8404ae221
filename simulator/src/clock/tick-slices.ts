/**
 * Runs a tick's work in slices, one slice per turn of the event loop, so what a slice publishes
 * reaches the socket (mqtt.js corks writes until the turn ends) while the next slice is stepped:
 * the broker and subscribers start on the tick's first units instead of after its last.
 *
 * At most one tick is in progress: starting a tick first finishes the one still running, in
 * order, so a slow tick delays the next one (the master clock counts that as lateness) but its
 * messages never interleave with the next tick's.
 */
export class TickSlices {
  private job: Iterator<unknown> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;

  /** Runs `job`'s first slice now (after finishing the previous job) and the rest on later turns. */
  start(job: Iterator<unknown>): void {
    this.finish();
    this.job = job;
    this.step();
  }

  /** Runs what is left of the job in progress now. */
  finish(): void {
    while (this.job) this.step();
  }

  get running(): boolean {
    return this.job !== undefined;
  }

  private step(): void {
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
    const job = this.job;
    if (!job) return;
    if (job.next().done) {
      this.job = undefined;
      return;
    }
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.step();
    });
  }
}

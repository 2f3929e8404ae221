/** What the one-line status of `kpp up` shows, read from the running parts each second. */
export interface StatusSample {
  tick: number;
  framesPerS: number;
  latencyP99Ms: number | undefined;
  writerBacklog: number;
  influxUp: boolean;
  clients: number;
}

export function formatStatus(s: StatusSample): string {
  const latency = s.latencyP99Ms === undefined ? '–' : `${s.latencyP99Ms.toFixed(1)} ms`;
  return (
    `tick ${s.tick} · ${s.framesPerS.toFixed(0)} frames/s · latency p99 ${latency} · ` +
    `writer backlog ${s.writerBacklog}${s.influxUp ? '' : ' (InfluxDB down)'} · ${s.clients} clients`
  );
}

/**
 * Prints the status every second on stderr: in place on a terminal, otherwise a line every
 * `everyLines` seconds so logs of a service manager stay readable. `inPlace` is for the caller
 * to turn off when JSON logs share the terminal: they do not clear the line, so one would be
 * glued to the status. Returns a stop function.
 */
export function startLiveStatus(
  sample: () => StatusSample | undefined,
  out: NodeJS.WriteStream = process.stderr,
  everyLines = 10,
  inPlace = out.isTTY === true,
): () => void {
  let n = 0;
  const timer = setInterval(() => {
    const s = sample();
    if (!s) return;
    const line = formatStatus(s);
    if (inPlace) out.write(`\r\x1b[2K${line}`);
    else if (n++ % everyLines === 0) out.write(line + '\n');
  }, 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (inPlace) out.write('\n');
  };
}

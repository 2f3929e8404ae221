/**
 * A small canvas time-series plot of the data frames a panel received: one line per numeric
 * field of every frame, nulls drawn as gaps, time on x. Enough to see real data move.
 */
export interface PlotSeries {
  name: string;
  unit?: string;
  ts: ArrayLike<number>;
  values: ArrayLike<number | null>;
}

const COLORS = ['#73bf69', '#f2cc0c', '#5794f2', '#ff780a', '#b877d9', '#f2495c', '#8ab8ff'];

export function drawChart(canvas: HTMLCanvasElement, series: PlotSeries[], windowMs: number, title: string): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== w * dpr) canvas.width = w * dpr;
  if (canvas.height !== h * dpr) canvas.height = h * dpr;
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.fillStyle = '#181b1f';
  g.fillRect(0, 0, w, h);
  const left = 64;
  const right = 12;
  const top = 28;
  const bottom = 44;
  let tMax = -Infinity;
  let vMin = Infinity;
  let vMax = -Infinity;
  for (const s of series) {
    if (s.ts.length > 0) tMax = Math.max(tMax, s.ts[s.ts.length - 1] as number);
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      vMin = Math.min(vMin, v);
      vMax = Math.max(vMax, v);
    }
  }
  g.fillStyle = '#ccccdc';
  g.font = '13px Inter, Helvetica, Arial, sans-serif';
  g.fillText(title, left, 18);
  if (!Number.isFinite(tMax) || !Number.isFinite(vMin)) {
    g.fillText('waiting for data…', left, h / 2);
    return;
  }
  if (vMax === vMin) {
    vMax += 1;
    vMin -= 1;
  }
  const pad = (vMax - vMin) * 0.05;
  vMin -= pad;
  vMax += pad;
  const tMin = tMax - windowMs;
  const x = (t: number) => left + ((t - tMin) / (tMax - tMin)) * (w - left - right);
  const y = (v: number) => top + (1 - (v - vMin) / (vMax - vMin)) * (h - top - bottom);
  // Grid and labels.
  g.strokeStyle = 'rgba(204,204,220,0.12)';
  g.fillStyle = '#8e8e8e';
  g.font = '11px Inter, Helvetica, Arial, sans-serif';
  g.lineWidth = 1;
  for (let k = 0; k <= 4; k++) {
    const v = vMin + ((vMax - vMin) * k) / 4;
    g.beginPath();
    g.moveTo(left, y(v));
    g.lineTo(w - right, y(v));
    g.stroke();
    g.fillText(fmt(v), 4, y(v) + 4);
  }
  for (let k = 0; k <= 5; k++) {
    const t = tMin + ((tMax - tMin) * k) / 5;
    g.beginPath();
    g.moveTo(x(t), top);
    g.lineTo(x(t), h - bottom);
    g.stroke();
    const d = new Date(t);
    g.fillText(d.toISOString().slice(11, windowMs > 600_000 ? 16 : 19), x(t) - 24, h - bottom + 14);
  }
  // Lines; a null lifts the pen.
  series.forEach((s, k) => {
    g.strokeStyle = COLORS[k % COLORS.length] as string;
    g.lineWidth = 1.5;
    g.beginPath();
    let pen = false;
    for (let i = 0; i < s.ts.length; i++) {
      const t = s.ts[i] as number;
      const v = s.values[i];
      if (t < tMin || v === null || v === undefined || !Number.isFinite(v)) {
        pen = false;
        continue;
      }
      if (pen) g.lineTo(x(t), y(v));
      else g.moveTo(x(t), y(v));
      pen = true;
    }
    g.stroke();
    // Legend.
    const lx = left + k * 170;
    g.fillStyle = COLORS[k % COLORS.length] as string;
    g.fillRect(lx, h - 18, 10, 3);
    g.fillStyle = '#ccccdc';
    g.fillText(`${s.name}${s.unit ? ` (${s.unit})` : ''}`, lx + 14, h - 13);
  });
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 10) return v.toFixed(0);
  return v.toFixed(2);
}

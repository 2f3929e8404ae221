export type HistoryFormat = 'table' | 'csv' | 'json';
export type HistoryValue = number | string | boolean | null;

/** Rows of a history query: `time` (epoch ms) first, then the fields in the order asked for. */
export interface HistoryTable {
  unit: string;
  fields: string[];
  fromMs: number;
  toMs: number;
  everyMs: number | undefined;
  source: 'raw' | 'rollup';
  query: string;
  rows: [number, ...HistoryValue[]][];
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Values print as JavaScript writes them, so a number reads back exactly. */
const text = (v: HistoryValue) => (v === null ? '' : String(v));

/** A table, CSV or JSON rendering; the library returns strings, the CLI prints them. */
export function formatHistory(table: HistoryTable, format: HistoryFormat): string {
  switch (format) {
    case 'csv':
      return historyCsv(table);
    case 'json':
      return historyJson(table);
    default:
      return historyText(table);
  }
}

/** Aligned columns: time (ISO 8601, UTC) left, values right; empty cells for missing values. */
export function historyText(table: HistoryTable): string {
  const header = ['time', ...table.fields];
  const body = table.rows.map(([time, ...values]) => [iso(time), ...values.map(text)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  const note = `${table.rows.length} row${table.rows.length === 1 ? '' : 's'} · unit ${table.unit} · ${table.source}${
    table.everyMs ? ` · every ${table.everyMs / 1000}s` : ''
  }`;
  return out.join('\n') + '\n' + note + '\n';
}

/** RFC 4180 CSV with a header row; time as ISO 8601. */
export function historyCsv(table: HistoryTable): string {
  const cell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [['time', ...table.fields].map(cell).join(',')];
  for (const [time, ...values] of table.rows) lines.push([iso(time), ...values.map(text)].map(cell).join(','));
  return lines.join('\n') + '\n';
}

/** One JSON document: the request, and rows as objects with `time` (ISO) and `ts` (epoch ms). */
export function historyJson(table: HistoryTable): string {
  const rows = table.rows.map(([time, ...values]) => {
    const row: Record<string, HistoryValue> = { time: iso(time), ts: time };
    table.fields.forEach((f, i) => (row[f] = values[i] ?? null));
    return row;
  });
  return (
    JSON.stringify({
      unit: table.unit,
      fields: table.fields,
      from: iso(table.fromMs),
      to: iso(table.toMs),
      every_ms: table.everyMs ?? null,
      source: table.source,
      rows,
    }) + '\n'
  );
}

/** The figures of a Prometheus text exposition that the status page shows, summed over labels. */
export function metricTotals(text: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+([-+\d.eE]+|NaN|\+Inf)/.exec(line);
    if (!m || !m[1] || !m[2]) continue;
    const v = Number(m[2]);
    if (Number.isFinite(v)) totals.set(m[1], (totals.get(m[1]) ?? 0) + v);
  }
  return totals;
}

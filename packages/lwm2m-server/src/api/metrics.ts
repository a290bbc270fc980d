export interface MetricSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

/** A small Prometheus text-format registry: counters and gauges, plus gauges read at scrape time. */
export class Metrics {
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly help = new Map<string, { type: 'counter' | 'gauge'; text: string }>();
  private readonly probes = new Map<string, () => number>();
  private readonly seriesProbes = new Map<string, () => readonly MetricSample[]>();

  counter(name: string, text: string): void {
    this.help.set(name, { type: 'counter', text });
  }

  /** A counter kept elsewhere (e.g. a server's stats), read from `read` at each scrape. */
  counterProbe(name: string, text: string, read: () => number): void {
    this.help.set(name, { type: 'counter', text });
    this.probes.set(name, read);
  }

  /** A gauge whose value is read from `read` at each scrape. */
  gauge(name: string, text: string, read: () => number): void {
    this.help.set(name, { type: 'gauge', text });
    this.probes.set(name, read);
  }

  /** Labelled samples read from `read` at each scrape (e.g. counters another component keeps). */
  series(name: string, type: 'counter' | 'gauge', text: string, read: () => readonly MetricSample[]): void {
    this.help.set(name, { type, text });
    this.seriesProbes.set(name, read);
  }

  inc(name: string, labels: Readonly<Record<string, string | number>> = {}, by = 1): void {
    const key = Object.entries(labels)
      .map(([k, v]) => `${k}="${String(v).replace(/["\\\n]/g, '_')}"`)
      .join(',');
    let series = this.counters.get(name);
    if (!series) {
      series = new Map();
      this.counters.set(name, series);
    }
    series.set(key, (series.get(key) ?? 0) + by);
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, { type, text }] of this.help) {
      lines.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`);
      const samples = this.seriesProbes.get(name);
      if (samples) {
        for (const m of samples()) lines.push(`${name}${labelText(m.labels)} ${m.value}`);
        continue;
      }
      const probe = this.probes.get(name);
      if (probe) {
        lines.push(`${name} ${probe()}`);
        continue;
      }
      for (const [labels, value] of this.counters.get(name) ?? []) lines.push(labels ? `${name}{${labels}} ${value}` : `${name} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

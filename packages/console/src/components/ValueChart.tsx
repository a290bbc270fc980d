import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Series } from '../state/series.js';

/** A time series plotted with uPlot; the table beneath gives the same points to screen readers. */
export function ValueChart({ title, series }: { title: string; series: Series }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    if (!box.current) return;
    plot.current = new uPlot(
      { title, width: Math.min(640, box.current.clientWidth || 640), height: 220, series: [{}, { label: title, stroke: '#2563eb', width: 2 }], axes: [{}, {}] },
      [series.t, series.v],
      box.current,
    );
    return () => plot.current?.destroy();
  }, [title]);
  useEffect(() => plot.current?.setData([series.t, series.v]), [series]);
  const last = series.v.length ? series.v[series.v.length - 1] : undefined;
  return (
    <figure class="chart">
      <div ref={box} aria-hidden="true" />
      <figcaption>
        {title}: <span data-testid="chart-points">{series.v.length}</span> points{last !== undefined ? `, last ${last}` : ''}
      </figcaption>
    </figure>
  );
}

import type { ActivityBucket } from '../state/fleet.js';

const MINUTES = 30;

/** Registrations and bootstraps per minute over the last half hour: successes up, failures down. */
export function ActivityStrip({ buckets, now }: { buckets: readonly ActivityBucket[]; now: number }) {
  const current = Math.floor(now / 60_000);
  const byMinute = new Map(buckets.map((b) => [b.minute, b]));
  const max = Math.max(1, ...buckets.map((b) => Math.max(b.ok, b.failed)));
  const ok = buckets.reduce((n, b) => n + b.ok, 0);
  const failed = buckets.reduce((n, b) => n + b.failed, 0);
  return (
    <figure class="activity">
      <svg viewBox={`0 0 ${MINUTES * 6} 40`} role="img" aria-label={`Last ${MINUTES} minutes: ${ok} successful and ${failed} failed bootstraps or registrations`}>
        {Array.from({ length: MINUTES }, (_, i) => {
          const b = byMinute.get(current - MINUTES + 1 + i);
          const up = b ? (b.ok / max) * 19 : 0;
          const down = b ? (b.failed / max) * 19 : 0;
          return (
            <g key={i}>
              <rect x={i * 6} y={20 - up} width={5} height={up} class="ok" />
              <rect x={i * 6} y={20} width={5} height={down} class="failed" />
            </g>
          );
        })}
      </svg>
      <figcaption>
        Activity, last {MINUTES} min: {ok} ok, {failed} failed
      </figcaption>
    </figure>
  );
}

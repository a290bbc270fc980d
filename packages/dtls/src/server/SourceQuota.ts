/**
 * Handshakes in progress per source: per IPv4 address, per /64 for IPv6 (one subscriber's prefix),
 * so one address flooding cookie'd handshakes never fills the table other devices need.
 */
import { isIPv6 } from 'node:net';

/** The source a handshake is charged to: the IPv4 address, or the /64 prefix of an IPv6 address. */
export function sourceKey(address: string): string {
  if (!isIPv6(address)) return address;
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return mapped[1] as string;
  const zoneless = lower.split('%')[0] as string;
  const [head = '', tail] = zoneless.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail takes two groups; it can never reach the first four.
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export class SourceQuota {
  private readonly inProgress = new Map<string, number>();

  constructor(readonly perSource: number) {}

  allows(address: string): boolean {
    return (this.inProgress.get(sourceKey(address)) ?? 0) < this.perSource;
  }

  add(address: string): void {
    const k = sourceKey(address);
    this.inProgress.set(k, (this.inProgress.get(k) ?? 0) + 1);
  }

  remove(address: string): void {
    const k = sourceKey(address);
    const n = (this.inProgress.get(k) ?? 0) - 1;
    if (n <= 0) this.inProgress.delete(k);
    else this.inProgress.set(k, n);
  }

  /** Sources with a handshake in progress. */
  get sources(): number {
    return this.inProgress.size;
  }

  clear(): void {
    this.inProgress.clear();
  }
}

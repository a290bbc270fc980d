import { DtlsClient, DtlsServer } from '@chainm2m/dtls';
import { Metrics } from '@chainm2m/lwm2m-server';
import { describe, expect, it } from 'vitest';
import { dtlsMetricSeries } from './dtlsMetrics.js';

const KEY = Buffer.from('3c5e7a9b1d2f4e6a8c0b2d4f6a8c0e1f', 'hex');

describe('dtlsMetricSeries', () => {
  it('renders a real DTLS server’s full/resumed handshakes, failures and drops as labelled Prometheus series', async () => {
    const server = await DtlsServer.listen({ host: '127.0.0.1', port: 0, pskResolver: async (id) => (id === 'meter-1' ? KEY : undefined) });
    const port = server.address().port;
    try {
      const a = await DtlsClient.connect({ host: '127.0.0.1', port, identity: 'meter-1', key: KEY, timeoutMs: 5000 });
      const saved = a.resumable();
      await a.close();
      const b = await DtlsClient.connect({ host: '127.0.0.1', port, identity: 'meter-1', key: KEY, timeoutMs: 5000, ...(saved ? { resume: saved } : {}) });
      await DtlsClient.connect({ host: '127.0.0.1', port, identity: 'stranger', key: KEY, timeoutMs: 5000 }).catch(() => undefined);
      const metrics = new Metrics();
      for (const [name, s] of Object.entries(dtlsMetricSeries({ lwm2m: () => server.stats(), bootstrap: undefined }))) metrics.series(name, s.type, s.help, s.read);
      const text = metrics.render();
      expect(text).toContain('# TYPE chainm2m_dtls_handshakes_total counter');
      expect(text).toContain('chainm2m_dtls_handshakes_total{server="lwm2m",kind="full"} 1');
      expect(text).toContain('chainm2m_dtls_handshakes_total{server="lwm2m",kind="resumed"} 1');
      expect(text).toContain('chainm2m_dtls_handshake_failures_total{server="lwm2m",reason="unknownIdentity"} 1');
      expect(text).toContain('chainm2m_dtls_dropped_records_total{server="lwm2m",reason="badMac"} 0');
      expect(text).toContain('chainm2m_dtls_sessions{server="lwm2m"} 1');
      expect(text).toContain('chainm2m_dtls_resumable_sessions{server="lwm2m"} 1');
      await b.close();
    } finally {
      await server.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { connectionsOpen, connectionsTotal, Counter, Gauge, Histogram, MetricsRegistry, trackConnection } from '../../src/metrics.js';

describe('metrics registry (Prometheus text format 0.0.4)', () => {
  it('renders counters, gauges and histograms with HELP and TYPE lines', async () => {
    const registry = new MetricsRegistry();
    const rejected = registry.register(new Counter('t_rejected_total', 'Refused.', ['path', 'reason']));
    const open = registry.register(new Gauge('t_open', 'Open now.'));
    const latency = registry.register(new Histogram('t_seconds', 'Latency.', [0.1, 1], ['filter']));
    rejected.inc({ path: 'mx', reason: 'virus' });
    rejected.inc({ path: 'mx', reason: 'virus' });
    rejected.inc({ reason: 'say "hi"\\\n', path: 'mx' });
    open.set(3);
    latency.observe(0.05, { filter: 'spam' });
    latency.observe(0.5, { filter: 'spam' });
    latency.observe(5, { filter: 'spam' });
    expect(await registry.render()).toBe(
      [
        '# HELP t_rejected_total Refused.',
        '# TYPE t_rejected_total counter',
        't_rejected_total{path="mx",reason="say \\"hi\\"\\\\\\n"} 1',
        't_rejected_total{path="mx",reason="virus"} 2',
        '# HELP t_open Open now.',
        '# TYPE t_open gauge',
        't_open 3',
        '# HELP t_seconds Latency.',
        '# TYPE t_seconds histogram',
        't_seconds_bucket{filter="spam",le="0.1"} 1',
        't_seconds_bucket{filter="spam",le="1"} 2',
        't_seconds_bucket{filter="spam",le="+Inf"} 3',
        't_seconds_sum{filter="spam"} 5.55',
        't_seconds_count{filter="spam"} 3',
        '',
      ].join('\n'),
    );
  });

  it('reads a collected gauge at scrape time, asynchronous or not, and survives a failing source', async () => {
    const registry = new MetricsRegistry();
    const queue = registry.register(new Gauge('t_queue', 'Queue.'));
    let n = 4;
    queue.collect(() => n);
    expect(await registry.render()).toContain('t_queue 4');
    n = 7;
    expect(await registry.render()).toContain('t_queue 7');
    queue.collect(() => {
      throw new Error('closed');
    });
    expect(await registry.render()).toContain('t_queue NaN');
    queue.collect(async () => 9);
    expect(await registry.render()).toContain('t_queue 9');
  });

  it('refuses wrong labels, decreasing counters and duplicate names', () => {
    const registry = new MetricsRegistry();
    const c = registry.register(new Counter('t_c', 'C.', ['protocol']));
    expect(() => c.inc({ proto: 'imap' })).toThrow(/labels must be exactly \{protocol\}/);
    expect(() => c.inc({ protocol: 'imap' }, -1)).toThrow(/only increase/);
    expect(() => registry.register(new Counter('t_c', 'again'))).toThrow(/twice/);
    expect(() => registry.register(new Counter('bad-name', 'x'))).toThrow(/invalid metric name/);
    expect(() => new Counter('t_d', 'D.', ['__name'])).toThrow(/invalid label name __name/);
    expect(() => new Histogram('t_h', 'H.', [1], ['le'])).toThrow(/"le" is reserved/);
  });
});

describe('trackConnection', () => {
  it('counts a connection and its close', () => {
    const socket = new EventEmitter();
    const total = connectionsTotal.value({ listener: 'test' });
    trackConnection('test', socket);
    expect(connectionsTotal.value({ listener: 'test' })).toBe(total + 1);
    expect(connectionsOpen.value({ listener: 'test' })).toBe(1);
    socket.emit('close');
    expect(connectionsOpen.value({ listener: 'test' })).toBe(0);
  });
});

import type { DnsTable } from './harness.js';

/** The test resolver's records for the queue nodes, in the test process and in the child node alike. */
export const QUEUE_NODES_DNS: DnsTable = {
  'example.org MX': [{ exchange: 'mx.example.org', priority: 10 }],
  'mx.example.org A': ['127.0.0.1'],
};

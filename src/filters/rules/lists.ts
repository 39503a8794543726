import { BlockList, isIP } from 'node:net';
import { parseCidr } from '../../config/index.js';
import { unmapIPv4 } from '../../dns/index.js';

/**
 * An allow or block list: sender addresses, sender domains (and their subdomains), client IPs and
 * CIDRs, IPv4 and IPv6. node:net's BlockList does the prefix matching.
 */
export class SenderList {
  private readonly addresses: ReadonlySet<string>;
  private readonly domains: ReadonlySet<string>;
  private readonly networks = new BlockList();
  private readonly empty: boolean;

  constructor(spec: { addresses: readonly string[]; domains: readonly string[]; ips: readonly string[] }) {
    this.addresses = new Set(spec.addresses);
    this.domains = new Set(spec.domains);
    for (const text of spec.ips) {
      const cidr = parseCidr(text)!;
      this.networks.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
    this.empty = spec.addresses.length + spec.domains.length + spec.ips.length === 0;
  }

  /** What matched ("address a@b", "domain b", "ip 1.2.3.4"), or null. */
  match(sender: string, ip: string): string | null {
    if (this.empty) return null;
    const address = sender.toLowerCase();
    if (address !== '' && this.addresses.has(address)) return `address ${address}`;
    const at = address.lastIndexOf('@');
    if (at !== -1) {
      const labels = address.slice(at + 1).split('.');
      for (let i = 0; i < labels.length - 1; i++) {
        const candidate = labels.slice(i).join('.');
        if (this.domains.has(candidate)) return `domain ${candidate}`;
      }
    }
    const client = unmapIPv4(ip);
    const family = isIP(client);
    if (family !== 0 && this.networks.check(client, family === 4 ? 'ipv4' : 'ipv6')) return `ip ${client}`;
    return null;
  }
}

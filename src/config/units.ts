import { isIP } from 'node:net';

/** Human-friendly sizes and durations used in the TOML config ("25MB", "5d"). */

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
};

/** Parses "25MB", "512KB", "2GB", "0" or a plain number of bytes. Returns null when malformed. */
export function parseSize(text: string | number): number | null {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 ? text : null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?B)?\s*$/i.exec(text);
  if (!match) return null;
  const unit = SIZE_UNITS[(match[2] ?? 'B').toUpperCase()];
  if (unit === undefined) return null;
  return Math.round(Number(match[1]) * unit);
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Parses "30s", "5m", "2h", "5d", "250ms" into milliseconds. Returns null when malformed. */
export function parseDuration(text: string | number): number | null {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * 1000 : null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!match) return null;
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2]!]!);
}

export interface HostPort {
  host: string;
  port: number;
}

/** Parses "127.0.0.1:2525", "[::1]:143" or "0.0.0.0:25". */
export function parseHostPort(text: string): HostPort | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) return null;
  const port = Number(match[3]);
  if (port < 0 || port > 65535) return null;
  return { host: (match[1] ?? match[2])!, port };
}

/** An address or prefix (spam lists, `proxy_protocol_from`): family and prefix length (a bare address is a /32 or /128). */
export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

export function parseCidr(text: string): Cidr | null {
  const [addr = '', prefixText, ...rest] = text.trim().split('/');
  if (rest.length > 0) return null;
  const version = isIP(addr);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { address: addr, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

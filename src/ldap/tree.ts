import { localPartOf, withoutSuspendedUnits, type DirectoryEntry } from '../directory/index.js';
import { TimeSlices } from '../limits/index.js';
import { foldVietnamese } from '../text/index.js';
import { dnKey, parseDn } from './dn.js';
import type { EntryAttribute } from './messages.js';

/**
 * The directory as an LDAP tree (docs/admin-guide.en.md "LDAP address book"):
 *
 *   dc=cantho,dc=gov,dc=vn                       the base entry (dcObject, organization)
 *   ou=<unit tên_sd>,<base>                       one organizationalUnit per unit
 *   uid=<unit tên_sd>,ou=<unit>,<base>            the unit's mailbox (inetOrgPerson)
 *   uid=<tên_sd>,ou=<unit>,<base>                 each person in service (inetOrgPerson)
 *
 * Values are folded once when the tree is built (src/text foldVietnamese), so matching is a
 * comparison of folded strings: `nguyen van an` finds `Nguyễn Văn An`.
 */

/** Attribute names and their aliases (RFC 4519, RFC 2798), lowercase → the name we return. */
const ATTRIBUTE_NAMES = new Map<string, string>(
  Object.entries({
    objectclass: 'objectClass',
    dc: 'dc',
    domaincomponent: 'dc',
    o: 'o',
    organizationname: 'o',
    ou: 'ou',
    organizationalunitname: 'ou',
    description: 'description',
    uid: 'uid',
    userid: 'uid',
    cn: 'cn',
    commonname: 'cn',
    displayname: 'displayName',
    givenname: 'givenName',
    gn: 'givenName',
    sn: 'sn',
    surname: 'sn',
    mail: 'mail',
    rfc822mailbox: 'mail',
    title: 'title',
    telephonenumber: 'telephoneNumber',
  }),
);

/** The name an attribute description refers to, or the description lowercased when we hold no such attribute. */
export function canonicalAttribute(description: string): string {
  const lower = description.toLowerCase();
  return ATTRIBUTE_NAMES.get(lower) ?? lower;
}

/** Whether the tree knows the attribute (an unknown one makes a filter term Undefined). */
export function isKnownAttribute(description: string): boolean {
  return ATTRIBUTE_NAMES.has(description.toLowerCase());
}

export interface LdapEntry {
  readonly dn: string;
  readonly key: string;
  readonly attributes: readonly EntryAttribute[];
  /** Canonical attribute name → folded values. */
  readonly folded: ReadonlyMap<string, readonly string[]>;
}

export class DirectoryTree {
  private readonly byKey = new Map<string, LdapEntry>();
  private readonly children = new Map<string, LdapEntry[]>();
  private readonly byAddress = new Map<string, LdapEntry>();
  readonly base: LdapEntry;
  /** How many RDNs the base DN has. */
  private readonly baseDepth: number;

  /**
   * The tree of the directory's entries, built in time slices with the event loop free between
   * them (docs/architecture.md invariant 2): each of a city's thousands of entries is folded
   * attribute by attribute, and LDAP shares the event loop with IMAP and SMTP.
   */
  static async build(baseDn: string, entries: readonly DirectoryEntry[], suspendedUnits: ReadonlySet<string>): Promise<DirectoryTree> {
    const tree = new DirectoryTree(baseDn);
    const slices = new TimeSlices();
    // Retired persons are not in the directory's list; a suspended unit and its members are left out here.
    const listed = withoutSuspendedUnits(entries, suspendedUnits);
    for (const unit of listed.filter((e) => e.kind === 'unit')) {
      await slices.pause();
      tree.addUnit(unit);
    }
    for (const person of listed.filter((e) => e.kind === 'person')) {
      await slices.pause();
      tree.addPerson(person);
    }
    return tree;
  }

  private constructor(private readonly baseDn: string) {
    const baseRdns = parseDn(baseDn);
    if (baseRdns === null || baseRdns.length === 0) throw new Error(`[ldap] base_dn is not a DN: ${baseDn}`);
    this.baseDepth = baseRdns.length;
    const first = baseRdns[0]!;
    this.base = this.add(null, baseDn, {
      objectClass: ['top', 'dcObject', 'organization'],
      [canonicalAttribute(first.type)]: [first.value],
      ...(canonicalAttribute(first.type) === 'o' ? {} : { o: [baseRdns.map((r) => r.value).join('.')] }),
    });
  }

  private unitDn(address: string): string {
    return `ou=${localPartOf(address)},${this.baseDn}`;
  }

  private addUnit(unit: DirectoryEntry): void {
    const ou = this.add(this.base, this.unitDn(unit.address), { objectClass: ['top', 'organizationalUnit'], ou: [localPartOf(unit.address)], description: [unit.name] });
    this.add(ou, `uid=${localPartOf(unit.address)},${ou.dn}`, {
      ...inetOrgPerson(unit.name),
      uid: [localPartOf(unit.address)],
      sn: [unit.name],
      mail: [unit.address],
      ou: [unit.name],
    });
  }

  private addPerson(person: DirectoryEntry): void {
    const parent = person.unit === null ? undefined : this.byKey.get(this.keyOf(this.unitDn(person.unit.address)));
    if (parent === undefined) return;
    const words = person.name.trim().split(/\s+/);
    this.add(parent, `uid=${localPartOf(person.address)},${parent.dn}`, {
      ...inetOrgPerson(person.name),
      uid: [localPartOf(person.address)],
      // Vietnamese order: family name first, given name last.
      sn: [words[0] ?? person.name],
      givenName: [words[words.length - 1] ?? person.name],
      mail: [person.address],
      ou: [person.unit?.name ?? ''],
      ...(person.title ? { title: [person.title] } : {}),
      ...(person.phone ? { telephoneNumber: [person.phone] } : {}),
    });
  }

  /** The entry named by `dn`, or null (also for a DN that does not parse). */
  find(dn: string): LdapEntry | null {
    const key = this.keyOrNull(dn);
    return key === null ? null : (this.byKey.get(key) ?? null);
  }

  /** The person or unit mailbox entry of an address (lowercase). */
  findByAddress(address: string): LdapEntry | null {
    return this.byAddress.get(address.toLowerCase()) ?? null;
  }

  childrenOf(entry: LdapEntry): readonly LdapEntry[] {
    return this.children.get(entry.key) ?? [];
  }

  /** `entry` and everything under it, parents before children. */
  *subtree(entry: LdapEntry): Generator<LdapEntry> {
    yield entry;
    for (const child of this.childrenOf(entry)) yield* this.subtree(child);
  }

  /** Whether `dn` is at or under the base (for matchedDN in noSuchObject, RFC 4511 §4.1.9). */
  isUnderBase(dn: string): boolean {
    const rdns = parseDn(dn);
    if (rdns === null || rdns.length < this.baseDepth) return false;
    return dnKey(rdns.slice(rdns.length - this.baseDepth), canonicalAttribute) === this.base.key;
  }

  keyOrNull(dn: string): string | null {
    const rdns = parseDn(dn);
    return rdns === null ? null : dnKey(rdns, canonicalAttribute);
  }

  private keyOf(dn: string): string {
    return this.keyOrNull(dn) ?? '';
  }

  private add(parent: LdapEntry | null, dn: string, values: Record<string, string[]>): LdapEntry {
    const attributes = Object.entries(values).map(([name, list]) => ({ name, values: list }));
    const folded = new Map(attributes.map((a) => [a.name, a.values.map(foldVietnamese)]));
    const entry: LdapEntry = { dn, key: this.keyOf(dn), attributes, folded };
    this.byKey.set(entry.key, entry);
    for (const address of values.mail ?? []) this.byAddress.set(address.toLowerCase(), entry);
    if (parent !== null) {
      const siblings = this.children.get(parent.key);
      if (siblings) siblings.push(entry);
      else this.children.set(parent.key, [entry]);
    }
    return entry;
  }
}

function inetOrgPerson(name: string): Record<string, string[]> {
  return { objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], cn: [name], displayName: [name] };
}

import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Which addresses contact points may reach. Link-local addresses and the cloud metadata
 * endpoints are refused unless allowed; an explicit deny wins over everything. Checked on the
 * address a name resolves to (a name cannot smuggle a refused address past it).
 */
export interface UrlPolicy {
  allow: BlockList;
  deny: BlockList;
}

/** Addresses refused by default: link-local (which holds 169.254.169.254) and other clouds' metadata. */
const BUILTIN_REFUSED: readonly [string, number, 'ipv4' | 'ipv6'][] = [
  ['169.254.0.0', 16, 'ipv4'],
  ['100.100.100.200', 32, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
  ['fd00:ec2::254', 128, 'ipv6'],
];
const refusedByDefault = new BlockList();
for (const [address, prefix, family] of BUILTIN_REFUSED) refusedByDefault.addSubnet(address, prefix, family);

export class UrlPolicyError extends Error {
  readonly code = 'ERR_URL_POLICY';
  constructor(message: string) {
    super(message);
    this.name = 'UrlPolicyError';
  }
}

function addCidr(list: BlockList, cidr: string, source: string): void {
  const [address = '', prefixText] = cidr.trim().split('/');
  const family = isIP(address);
  if (family === 0) throw new Error(`${source}: "${cidr}" is not an address or CIDR`);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`${source}: bad prefix length in "${cidr}"`);
  list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
}

export function urlPolicy(allow: readonly string[], deny: readonly string[]): UrlPolicy {
  const policy = { allow: new BlockList(), deny: new BlockList() };
  for (const c of allow) addCidr(policy.allow, c, 'outbound allow list');
  for (const c of deny) addCidr(policy.deny, c, 'outbound deny list');
  return policy;
}

/** ALERTWIRE_OUTBOUND_ALLOW / ALERTWIRE_OUTBOUND_DENY: comma-separated CIDRs. */
export function urlPolicyFromEnv(env: Readonly<Record<string, string | undefined>>): UrlPolicy {
  const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return urlPolicy(list(env.ALERTWIRE_OUTBOUND_ALLOW), list(env.ALERTWIRE_OUTBOUND_DENY));
}

/** `::ffff:169.254.169.254` is the IPv4 address it wraps. */
function unwrapMapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return { address: m[1] as string, family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** Why an address is refused, or null when it may be reached. */
export function refusal(policy: UrlPolicy, rawAddress: string): string | null {
  const { address, family } = unwrapMapped(rawAddress);
  if (policy.deny.check(address, family)) return `address ${address} is in the outbound deny list`;
  if (policy.allow.check(address, family)) return null;
  if (refusedByDefault.check(address, family)) {
    return `address ${address} is link-local or a cloud metadata endpoint; refused unless allowed (ALERTWIRE_OUTBOUND_ALLOW)`;
  }
  return null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls connect that resolves the name, then refuses it if any of its
 * addresses is refused (so a name resolving to both a public and a metadata address fails).
 */
export function guardedLookup(policy: UrlPolicy) {
  return (hostname: string, opts: LookupOptions, callback: LookupCallback): void => {
    const family = typeof opts.family === 'number' ? opts.family : opts.family === 'IPv6' ? 6 : opts.family === 'IPv4' ? 4 : 0;
    dnsLookup(hostname, { all: true, family }, (err, addresses) => {
      if (err) return callback(err, []);
      for (const a of addresses) {
        const why = refusal(policy, a.address);
        if (why) return callback(new UrlPolicyError(`${hostname}: ${why}`), []);
      }
      if (opts.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

/** A URL whose host is an address literal never reaches `lookup`: check it directly. */
export function checkLiteralHost(policy: UrlPolicy, url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) === 0) return;
  const why = refusal(policy, host);
  if (why) throw new UrlPolicyError(why);
}

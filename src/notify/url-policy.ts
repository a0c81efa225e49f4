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

/** An address or CIDR split into what BlockList takes, or what is wrong with it. */
function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | { problem: string } {
  const [address = '', prefixText, extra] = text.trim().split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return { problem: `"${text}" is not an address or CIDR` };
  const max = family === 4 ? 32 : 128;
  // "10.0.0.0/" must not pass as /0, which would match every address.
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return { problem: `bad prefix length in "${text}" (0–${max})` };
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return { problem: `bad prefix length in "${text}" (0–${max})` };
  return { address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/** What is wrong with an address or CIDR of an allow or deny list, or null. */
export function cidrProblem(text: string): string | null {
  const parsed = parseCidr(text);
  return 'problem' in parsed ? parsed.problem : null;
}

function addCidr(list: BlockList, cidr: string, source: string): void {
  const parsed = parseCidr(cidr);
  if ('problem' in parsed) throw new Error(`${source}: ${parsed.problem}`);
  list.addSubnet(parsed.address, parsed.prefix, parsed.family);
}

export function urlPolicy(allow: readonly string[], deny: readonly string[]): UrlPolicy {
  const policy = { allow: new BlockList(), deny: new BlockList() };
  for (const c of allow) addCidr(policy.allow, c, 'outbound allow list');
  for (const c of deny) addCidr(policy.deny, c, 'outbound deny list');
  return policy;
}

/** ALERTWIRE_OUTBOUND_ALLOW / ALERTWIRE_OUTBOUND_DENY hold comma-separated CIDRs. */
export function cidrList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * The policy of the configuration's `outbound` section, where ALERTWIRE_OUTBOUND_ALLOW and
 * ALERTWIRE_OUTBOUND_DENY, when set, replace its lists. loadConfig applies them too (so
 * check-config reports a bad one); applying them here keeps that precedence for a Config
 * built without loadConfig.
 */
export function urlPolicyFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  configured: { readonly allow: readonly string[]; readonly deny: readonly string[] } = { allow: [], deny: [] },
): UrlPolicy {
  const list = (text: string | undefined, fallback: readonly string[]) => (text ? cidrList(text) : fallback);
  return urlPolicy(list(env.ALERTWIRE_OUTBOUND_ALLOW, configured.allow), list(env.ALERTWIRE_OUTBOUND_DENY, configured.deny));
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
    return `address ${address} is link-local or a cloud metadata endpoint; refused unless allowed (outbound.allow)`;
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

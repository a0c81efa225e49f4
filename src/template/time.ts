// Go's time.Time and time.Duration as template values: the reference-layout
// formatter ("2006-01-02 15:04:05"), Time.String(), Duration.String() and the
// handful of methods templates call. Zones come from the runtime's ICU data;
// abbreviations follow the IANA database where ICU only knows "GMT+1".
import { FuncError, GoValue, T } from './values.js';
import type { GoMethod, GoType } from './values.js';

const NANOS_PER_SECOND = 1_000_000_000n;

export interface Location {
  /** "UTC", "Local", an IANA name, or the name of a fixed zone ("" when parsed from an offset). */
  readonly name: string;
  /** Seconds east of UTC for fixed zones; undefined for IANA zones. */
  readonly fixed?: number;
}

export const UTC: Location = { name: 'UTC', fixed: 0 };
/** The process-local zone. Templates are pure, so "Local" is UTC, as on a server run with TZ=UTC. */
export const LOCAL: Location = { name: 'Local', fixed: 0 };

// --- calendar arithmetic (proleptic Gregorian, valid for any year) ---

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = floorDiv(y, 400);
  const yoe = y - era * 400;
  const mp = (m + 9) % 12;
  const doy = floorDiv(153 * mp + 2, 5) + d - 1;
  const doe = yoe * 365 + floorDiv(yoe, 4) - floorDiv(yoe, 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): { year: number; month: number; day: number } {
  z += 719468;
  const era = floorDiv(z, 146097);
  const doe = z - era * 146097;
  const yoe = floorDiv(doe - floorDiv(doe, 1460) + floorDiv(doe, 36524) - floorDiv(doe, 146096), 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + floorDiv(yoe, 4) - floorDiv(yoe, 100));
  const mp = floorDiv(5 * doy + 2, 153);
  const day = doy - floorDiv(153 * mp + 2, 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: month <= 2 ? y + 1 : y, month, day };
}

// --- zones ---

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** time.LoadLocation: "" and "UTC" are UTC, "Local" is the local zone, else an IANA name. */
export function loadLocation(name: string): Location {
  if (name === '' || name === 'UTC') return UTC;
  if (name === 'Local') return LOCAL;
  try {
    formatterFor(name);
  } catch {
    throw new FuncError(`unknown time zone ${name}`);
  }
  return { name };
}

/** Offset of an IANA zone at a unix second, via ICU. */
function zoneOffset(zone: string, unixSec: number): number {
  // ICU handles years 1..9999 reliably; clamp outside that range.
  const clamped = Math.min(Math.max(unixSec, -62135596800), 253402300799);
  const parts = formatterFor(zone).formatToParts(new Date(clamped * 1000));
  let y = 0;
  let mo = 1;
  let d = 1;
  let h = 0;
  let mi = 0;
  let s = 0;
  let bc = false;
  for (const p of parts) {
    switch (p.type) {
      case 'year':
        y = Number(p.value);
        break;
      case 'month':
        mo = Number(p.value);
        break;
      case 'day':
        d = Number(p.value);
        break;
      case 'hour':
        h = Number(p.value);
        break;
      case 'minute':
        mi = Number(p.value);
        break;
      case 'second':
        s = Number(p.value);
        break;
      case 'era':
        bc = p.value.startsWith('B');
        break;
    }
  }
  if (bc) y = 1 - y;
  const wall = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  return wall - clamped;
}

// Abbreviations from the IANA database for zones ICU only names "GMT+n".
const ABBREVIATIONS: Record<string, readonly [string, string]> = (() => {
  const table: Record<string, readonly [string, string]> = {};
  const add = (std: string, dst: string, zones: string): void => {
    for (const z of zones.split(' ')) table[z] = [std, dst];
  };
  add('GMT', 'BST', 'Europe/London Europe/Belfast Europe/Guernsey Europe/Isle_of_Man Europe/Jersey GB');
  add('GMT', 'IST', 'Europe/Dublin Eire');
  add('WET', 'WEST', 'Europe/Lisbon Atlantic/Canary Atlantic/Madeira Atlantic/Faroe Portugal WET');
  add(
    'CET',
    'CEST',
    'Europe/Berlin Europe/Paris Europe/Madrid Europe/Rome Europe/Amsterdam Europe/Brussels Europe/Vienna Europe/Zurich ' +
      'Europe/Stockholm Europe/Oslo Europe/Copenhagen Europe/Warsaw Europe/Prague Europe/Budapest Europe/Belgrade ' +
      'Europe/Zagreb Europe/Ljubljana Europe/Bratislava Europe/Luxembourg Europe/Monaco Europe/Malta Europe/Andorra ' +
      'Europe/Tirane Europe/Sarajevo Europe/Skopje Europe/Podgorica Europe/Gibraltar Europe/Vaduz Europe/San_Marino ' +
      'Europe/Vatican Europe/Busingen Africa/Ceuta Arctic/Longyearbyen CET Poland',
  );
  add('CET', 'CET', 'Africa/Algiers Africa/Tunis');
  add(
    'EET',
    'EEST',
    'Europe/Athens Europe/Helsinki Europe/Kiev Europe/Kyiv Europe/Riga Europe/Tallinn Europe/Vilnius Europe/Bucharest ' +
      'Europe/Sofia Europe/Chisinau Europe/Uzhgorod Europe/Zaporozhye Europe/Mariehamn Asia/Nicosia Asia/Famagusta ' +
      'Europe/Nicosia Asia/Beirut Africa/Cairo Asia/Gaza Asia/Hebron EET Egypt',
  );
  add('EET', 'EET', 'Europe/Kaliningrad Africa/Tripoli Libya');
  add('MSK', 'MSK', 'Europe/Moscow Europe/Simferopol W-SU');
  add('IST', 'IDT', 'Asia/Jerusalem Asia/Tel_Aviv Israel');
  add('IST', 'IST', 'Asia/Kolkata Asia/Calcutta');
  add('PKT', 'PKST', 'Asia/Karachi');
  add('JST', 'JDT', 'Asia/Tokyo Japan');
  add('KST', 'KDT', 'Asia/Seoul ROK');
  add('CST', 'CDT', 'Asia/Shanghai Asia/Chongqing Asia/Harbin Asia/Taipei Asia/Macau PRC ROC');
  add('HKT', 'HKST', 'Asia/Hong_Kong Hongkong');
  add('PST', 'PDT', 'Asia/Manila');
  add('WIB', 'WIB', 'Asia/Jakarta Asia/Pontianak');
  add('WITA', 'WITA', 'Asia/Makassar');
  add('WIT', 'WIT', 'Asia/Jayapura');
  add('AEST', 'AEDT', 'Australia/Sydney Australia/Melbourne Australia/Canberra Australia/Hobart Australia/ACT Australia/NSW Australia/Victoria Australia/Tasmania');
  add('AEST', 'AEST', 'Australia/Brisbane Australia/Lindeman Australia/Queensland');
  add('ACST', 'ACDT', 'Australia/Adelaide Australia/Broken_Hill Australia/South');
  add('ACST', 'ACST', 'Australia/Darwin Australia/North');
  add('AWST', 'AWDT', 'Australia/Perth Australia/West');
  add('NZST', 'NZDT', 'Pacific/Auckland Antarctica/McMurdo NZ');
  add('HST', 'HDT', 'Pacific/Honolulu US/Hawaii HST');
  add('SAST', 'SAST', 'Africa/Johannesburg Africa/Maseru Africa/Mbabane');
  add('WAT', 'WAT', 'Africa/Lagos Africa/Kinshasa Africa/Luanda Africa/Douala Africa/Niamey');
  add('EAT', 'EAT', 'Africa/Nairobi Africa/Addis_Ababa Africa/Dar_es_Salaam Africa/Kampala Africa/Mogadishu');
  add('CAT', 'CAT', 'Africa/Maputo Africa/Harare Africa/Lusaka Africa/Windhoek');
  add('GMT', 'GMT', 'Africa/Abidjan Africa/Accra Africa/Dakar Atlantic/Reykjavik Iceland GMT Etc/GMT Greenwich Etc/Greenwich');
  add('UTC', 'UTC', 'Etc/UTC Etc/UCT UCT Universal Zulu Etc/Universal Etc/Zulu');
  add('EST', 'EDT', 'America/New_York America/Detroit America/Toronto America/Montreal America/Nassau America/Indiana/Indianapolis America/Indianapolis America/Kentucky/Louisville US/Eastern EST5EDT Canada/Eastern');
  add('CST', 'CDT', 'America/Chicago America/Winnipeg America/Matamoros America/Menominee US/Central CST6CDT Canada/Central');
  add('CST', 'CST', 'America/Mexico_City America/Regina America/Guatemala America/Costa_Rica America/El_Salvador America/Tegucigalpa');
  add('MST', 'MDT', 'America/Denver America/Edmonton America/Boise US/Mountain MST7MDT Canada/Mountain');
  add('MST', 'MST', 'America/Phoenix US/Arizona MST');
  add('PST', 'PDT', 'America/Los_Angeles America/Vancouver America/Tijuana US/Pacific PST8PDT Canada/Pacific');
  add('AKST', 'AKDT', 'America/Anchorage America/Juneau US/Alaska');
  add('AST', 'ADT', 'America/Halifax Atlantic/Bermuda Canada/Atlantic');
  add('AST', 'AST', 'America/Puerto_Rico America/Santo_Domingo');
  add('NST', 'NDT', 'America/St_Johns Canada/Newfoundland');
  return table;
})();

/** IANA-style numeric abbreviation ("+03", "-0330") for zones without a letter one. */
function numericAbbreviation(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const m = Math.floor(Math.abs(offset) / 60);
  const hh = String(Math.floor(m / 60)).padStart(2, '0');
  return m % 60 === 0 ? sign + hh : sign + hh + String(m % 60).padStart(2, '0');
}

interface ZoneInfo {
  offset: number;
  abbr: string;
  dst: boolean;
}

function zoneInfo(loc: Location, unixSec: number): ZoneInfo {
  if (loc.fixed !== undefined) {
    if (loc === UTC || loc === LOCAL) return { offset: 0, abbr: 'UTC', dst: false };
    return { offset: loc.fixed, abbr: loc.name, dst: false };
  }
  const offset = zoneOffset(loc.name, unixSec);
  const known = ABBREVIATIONS[loc.name];
  const year = civilFromDays(floorDiv(unixSec + offset, 86400)).year;
  const jan = zoneOffset(loc.name, daysFromCivil(year, 1, 1) * 86400);
  const jul = zoneOffset(loc.name, daysFromCivil(year, 7, 1) * 86400);
  const dst = offset > Math.min(jan, jul);
  if (known) return { offset, abbr: dst ? known[1] : known[0], dst };
  const short = new Intl.DateTimeFormat('en-US', { timeZone: loc.name, timeZoneName: 'short' })
    .formatToParts(new Date(unixSec * 1000))
    .find((p) => p.type === 'timeZoneName')?.value;
  if (short && /^[A-Z]{3,5}$/.test(short) && !short.startsWith('GMT')) return { offset, abbr: short, dst };
  return { offset, abbr: numericAbbreviation(offset), dst };
}

/** The instant whose wall clock in `loc` reads `wall` (seconds since the epoch's wall clock), as Go's time.Date picks it. */
function fromWallClock(wall: number, nsec: number, loc: Location): GoTime {
  const guess = wall - zoneInfo(loc, wall).offset;
  return new GoTime(wall - zoneInfo(loc, guess).offset, nsec, loc);
}

// --- Duration ---

export const durationType: GoType = {
  name: 'time.Duration',
  kind: 'int',
  fromInt: (n: bigint) => new GoDuration(n),
  get methods(): ReadonlyMap<string, GoMethod> {
    return durationMethods;
  },
};

export class GoDuration extends GoValue {
  readonly type = durationType;
  constructor(readonly nanos: bigint) {
    super();
  }
  /** Integer value, for comparisons (a Duration is an int64). */
  get int(): bigint {
    return this.nanos;
  }
  truth(): boolean {
    return this.nanos !== 0n;
  }
  override toString(): string {
    return durationString(this.nanos);
  }
}

/** Go's Duration.String(): "1h2m3.5s", "150ms", "0s". */
export function durationString(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  const frac = (v: bigint, prec: number): { s: string; v: bigint } => {
    let s = '';
    let print = false;
    for (let i = 0; i < prec; i++) {
      const digit = v % 10n;
      print = print || digit !== 0n;
      if (print) s = digit.toString() + s;
      v /= 10n;
    }
    return { s: print ? '.' + s : '', v };
  };
  if (u < NANOS_PER_SECOND) {
    let unit: string;
    let prec: number;
    if (u < 1000n) {
      unit = 'ns';
      prec = 0;
    } else if (u < 1_000_000n) {
      unit = 'µs';
      prec = 3;
    } else {
      unit = 'ms';
      prec = 6;
    }
    const f = frac(u, prec);
    out = f.v.toString() + f.s + unit;
  } else {
    const f = frac(u, 9);
    u = f.v;
    out = (u % 60n).toString() + f.s + 's';
    u /= 60n;
    if (u > 0n) {
      out = (u % 60n).toString() + 'm' + out;
      u /= 60n;
      if (u > 0n) out = u.toString() + 'h' + out;
    }
  }
  return neg ? '-' + out : out;
}

function durationArg(v: unknown): bigint {
  if (v instanceof GoDuration) return v.nanos;
  throw new FuncError(`expected time.Duration`);
}

const durationMethods: ReadonlyMap<string, GoMethod> = new Map<string, GoMethod>([
  ['String', { params: [], call: (r) => (r as GoDuration).toString() }],
  ['Seconds', { params: [], call: (r) => Number((r as GoDuration).nanos) / 1e9 }],
  ['Minutes', { params: [], call: (r) => Number((r as GoDuration).nanos) / 6e10 }],
  ['Hours', { params: [], call: (r) => Number((r as GoDuration).nanos) / 3.6e12 }],
  ['Milliseconds', { params: [], call: (r) => (r as GoDuration).nanos / 1_000_000n }],
  ['Microseconds', { params: [], call: (r) => (r as GoDuration).nanos / 1000n }],
  ['Nanoseconds', { params: [], call: (r) => (r as GoDuration).nanos }],
  ['Abs', { params: [], call: (r) => new GoDuration((r as GoDuration).nanos < 0n ? -(r as GoDuration).nanos : (r as GoDuration).nanos) }],
  [
    'Truncate',
    {
      params: [durationType],
      call: (r, [m]) => {
        const d = (r as GoDuration).nanos;
        const mm = durationArg(m);
        return new GoDuration(mm <= 0n ? d : d - (d % mm));
      },
    },
  ],
  [
    'Round',
    {
      params: [durationType],
      call: (r, [m]) => {
        const d = (r as GoDuration).nanos;
        const mm = durationArg(m);
        if (mm <= 0n) return new GoDuration(d);
        let rem = d % mm;
        if (d < 0n) {
          rem = -rem;
          return new GoDuration(saturate(rem + rem < mm ? d + rem : d + rem - mm));
        }
        return new GoDuration(saturate(rem + rem < mm ? d - rem : d + mm - rem));
      },
    },
  ],
]);

// --- Time ---

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** time.Month / time.Weekday: integers that print as names. */
class GoNamedInt extends GoValue {
  constructor(
    readonly type: GoType,
    readonly int: bigint,
    private readonly label: string,
  ) {
    super();
  }
  truth(): boolean {
    return this.int !== 0n;
  }
  override toString(): string {
    return this.label;
  }
}

const namedIntMethods: ReadonlyMap<string, GoMethod> = new Map([['String', { params: [], call: (r: unknown) => String(r) }]]);
const monthType: GoType = { name: 'time.Month', kind: 'int', methods: namedIntMethods };
const weekdayType: GoType = { name: 'time.Weekday', kind: 'int', methods: namedIntMethods };

export const timeType: GoType = {
  name: 'time.Time',
  kind: 'struct',
  get methods(): ReadonlyMap<string, GoMethod> {
    return timeMethods;
  },
};

export class GoTime extends GoValue {
  readonly type = timeType;
  private zone?: ZoneInfo;

  constructor(
    /** Seconds since the Unix epoch. */
    readonly sec: number,
    /** Nanoseconds within the second, 0..999999999. */
    readonly nsec: number,
    readonly loc: Location = UTC,
  ) {
    super();
  }

  static zero(): GoTime {
    return new GoTime(-62135596800, 0, UTC);
  }

  static fromDate(d: Date): GoTime {
    return GoTime.fromMillis(d.getTime());
  }

  static fromMillis(ms: number): GoTime {
    const sec = Math.floor(ms / 1000);
    return new GoTime(sec, (ms - sec * 1000) * 1_000_000, UTC);
  }

  /**
   * Reads an RFC 3339 timestamp the way Go's JSON decoding of time.Time does: "Z" and
   * a zero offset are UTC, any other offset becomes an unnamed fixed zone.
   * Returns undefined for text that is not RFC 3339.
   */
  static parseRFC3339(s: string): GoTime | undefined {
    const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(s);
    if (!m) return undefined;
    const [, y, mo, d, h, mi, se, frac, z, sign, oh, om] = m;
    const days = daysFromCivil(Number(y), Number(mo), Number(d));
    let sec = days * 86400 + Number(h) * 3600 + Number(mi) * 60 + Number(se);
    const nsec = frac ? Number((frac + '000000000').slice(0, 9)) : 0;
    if (z) return new GoTime(sec, nsec, UTC);
    const offset = (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60);
    sec -= offset;
    if (offset === 0) return new GoTime(sec, nsec, UTC);
    return new GoTime(sec, nsec, { name: '', fixed: offset });
  }

  truth(): boolean {
    return true;
  }

  zoneInfo(): ZoneInfo {
    if (!this.zone) this.zone = zoneInfo(this.loc, this.sec);
    return this.zone;
  }

  isZero(): boolean {
    return this.sec === -62135596800 && this.nsec === 0;
  }

  /** Nanoseconds since the epoch. */
  unixNano(): bigint {
    return BigInt(this.sec) * NANOS_PER_SECOND + BigInt(this.nsec);
  }

  in(loc: Location): GoTime {
    return new GoTime(this.sec, this.nsec, loc);
  }

  addNanos(n: bigint): GoTime {
    const total = this.unixNano() + n;
    let sec = total / NANOS_PER_SECOND;
    let nsec = total % NANOS_PER_SECOND;
    if (nsec < 0n) {
      nsec += NANOS_PER_SECOND;
      sec -= 1n;
    }
    return new GoTime(Number(sec), Number(nsec), this.loc);
  }

  /** Wall-clock fields in the time's own zone. */
  fields(): { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number; yday: number } {
    const local = this.sec + this.zoneInfo().offset;
    const days = floorDiv(local, 86400);
    const secOfDay = local - days * 86400;
    const { year, month, day } = civilFromDays(days);
    const weekday = (((days + 4) % 7) + 7) % 7;
    const yday = days - daysFromCivil(year, 1, 1) + 1;
    return {
      year,
      month,
      day,
      hour: Math.floor(secOfDay / 3600),
      minute: Math.floor((secOfDay % 3600) / 60),
      second: secOfDay % 60,
      weekday,
      yday,
    };
  }

  /** AddDate: wall-clock year, month and day moved in the time's zone; Go normalises overflow (Oct 31 + 1 month = Dec 1). */
  addDate(years: number, months: number, days: number): GoTime {
    const f = this.fields();
    const monthIndex = f.month - 1 + months;
    const year = f.year + years + floorDiv(monthIndex, 12);
    const month = monthIndex - floorDiv(monthIndex, 12) * 12 + 1;
    const day = daysFromCivil(year, month, 1) + f.day - 1 + days;
    const wall = day * 86400 + f.hour * 3600 + f.minute * 60 + f.second;
    return fromWallClock(wall, this.nsec, this.loc);
  }

  isDST(): boolean {
    return this.zoneInfo().dst;
  }

  format(layout: string): string {
    return formatTime(this, layout);
  }

  override toString(): string {
    return this.format('2006-01-02 15:04:05.999999999 -0700 MST');
  }
}

function timeArg(v: unknown): GoTime {
  if (v instanceof GoTime) return v;
  throw new FuncError('expected time.Time');
}

const timeMethods: ReadonlyMap<string, GoMethod> = new Map<string, GoMethod>([
  ['Format', { params: [T.string], call: (r, [layout]) => (r as GoTime).format(layout as string) }],
  ['String', { params: [], call: (r) => (r as GoTime).toString() }],
  ['Unix', { params: [], call: (r) => BigInt((r as GoTime).sec) }],
  ['UnixMilli', { params: [], call: (r) => (r as GoTime).unixNano() / 1_000_000n }],
  ['UnixMicro', { params: [], call: (r) => (r as GoTime).unixNano() / 1000n }],
  ['UnixNano', { params: [], call: (r) => (r as GoTime).unixNano() }],
  ['UTC', { params: [], call: (r) => (r as GoTime).in(UTC) }],
  ['Local', { params: [], call: (r) => (r as GoTime).in(LOCAL) }],
  ['IsZero', { params: [], call: (r) => (r as GoTime).isZero() }],
  ['Year', { params: [], call: (r) => BigInt((r as GoTime).fields().year) }],
  [
    'Month',
    {
      params: [],
      call: (r) => {
        const m = (r as GoTime).fields().month;
        return new GoNamedInt(monthType, BigInt(m), MONTHS[m - 1] ?? '');
      },
    },
  ],
  ['Day', { params: [], call: (r) => BigInt((r as GoTime).fields().day) }],
  ['Hour', { params: [], call: (r) => BigInt((r as GoTime).fields().hour) }],
  ['Minute', { params: [], call: (r) => BigInt((r as GoTime).fields().minute) }],
  ['Second', { params: [], call: (r) => BigInt((r as GoTime).fields().second) }],
  ['Nanosecond', { params: [], call: (r) => BigInt((r as GoTime).nsec) }],
  ['YearDay', { params: [], call: (r) => BigInt((r as GoTime).fields().yday) }],
  [
    'Weekday',
    {
      params: [],
      call: (r) => {
        const w = (r as GoTime).fields().weekday;
        return new GoNamedInt(weekdayType, BigInt(w), DAYS[w] ?? '');
      },
    },
  ],
  ['Before', { params: [timeType], call: (r, [u]) => (r as GoTime).unixNano() < timeArg(u).unixNano() }],
  ['After', { params: [timeType], call: (r, [u]) => (r as GoTime).unixNano() > timeArg(u).unixNano() }],
  ['Equal', { params: [timeType], call: (r, [u]) => (r as GoTime).unixNano() === timeArg(u).unixNano() }],
  ['Compare', { params: [timeType], call: (r, [u]) => BigInt(Math.sign(Number((r as GoTime).unixNano() - timeArg(u).unixNano()))) }],
  ['Sub', { params: [timeType], call: (r, [u]) => new GoDuration(saturate((r as GoTime).unixNano() - timeArg(u).unixNano())) }],
  ['AddDate', { params: [T.int, T.int, T.int], call: (r, [y, m, d]) => (r as GoTime).addDate(Number(y), Number(m), Number(d)) }],
  ['IsDST', { params: [], call: (r) => (r as GoTime).isDST() }],
  ['Add', { params: [durationType], call: (r, [d]) => (r as GoTime).addNanos(durationArg(d)) }],
  [
    'Truncate',
    {
      params: [durationType],
      call: (r, [d]) => {
        const t = r as GoTime;
        const m = durationArg(d);
        return m <= 0n ? t : t.addNanos(-(sinceZeroTime(t) % m));
      },
    },
  ],
  [
    'Round',
    {
      params: [durationType],
      call: (r, [d]) => {
        const t = r as GoTime;
        const m = durationArg(d);
        if (m <= 0n) return t;
        const rem = sinceZeroTime(t) % m;
        // Halfway rounds up, as Go's lessThanHalf does.
        return rem + rem < m ? t.addNanos(-rem) : t.addNanos(m - rem);
      },
    },
  ],
]);

/** Nanoseconds since Go's zero time (year 1), which Truncate and Round measure from: a whole number of days before the epoch. */
function sinceZeroTime(t: GoTime): bigint {
  return t.unixNano() + 62135596800n * NANOS_PER_SECOND;
}

const MAX_DURATION = (1n << 63n) - 1n;
const MIN_DURATION = -(1n << 63n);

/** Go's Time.Sub answers the largest or smallest Duration when the difference does not fit in int64. */
function saturate(nanos: bigint): bigint {
  return nanos > MAX_DURATION ? MAX_DURATION : nanos < MIN_DURATION ? MIN_DURATION : nanos;
}

// --- layout formatting ---

const enum Std {
  None,
  LongMonth,
  Month,
  NumMonth,
  ZeroMonth,
  LongWeekDay,
  WeekDay,
  Day,
  UnderDay,
  ZeroDay,
  UnderYearDay,
  ZeroYearDay,
  Hour,
  Hour12,
  ZeroHour12,
  Minute,
  ZeroMinute,
  Second,
  ZeroSecond,
  LongYear,
  Year,
  PM,
  pm,
  TZ,
  ISO8601TZ,
  ISO8601SecondsTZ,
  ISO8601ShortTZ,
  ISO8601ColonTZ,
  ISO8601ColonSecondsTZ,
  NumTZ,
  NumSecondsTz,
  NumShortTZ,
  NumColonTZ,
  NumColonSecondsTZ,
  FracSecond0,
  FracSecond9,
}

interface Chunk {
  prefix: string;
  std: Std;
  /** Digits of a fractional-second element and its separator. */
  fracDigits?: number;
  fracSep?: string;
  suffix: string;
}

const std0x = [Std.ZeroMonth, Std.ZeroDay, Std.ZeroHour12, Std.ZeroMinute, Std.ZeroSecond, Std.Year];

function startsWithLowerCase(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 0x61 && c <= 0x7a;
}

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

function chunkAt(layout: string, i: number, std: Std, len: number): Chunk {
  return { prefix: layout.slice(0, i), std, suffix: layout.slice(i + len) };
}

function nextStdChunk(layout: string): Chunk {
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i] as string;
    switch (c) {
      case 'J':
        if (layout.startsWith('Jan', i)) {
          if (layout.startsWith('January', i)) return chunkAt(layout, i, Std.LongMonth, 7);
          if (!startsWithLowerCase(layout.slice(i + 3))) return chunkAt(layout, i, Std.Month, 3);
        }
        break;
      case 'M':
        if (layout.length >= i + 3) {
          if (layout.startsWith('Mon', i)) {
            if (layout.startsWith('Monday', i)) return chunkAt(layout, i, Std.LongWeekDay, 6);
            if (!startsWithLowerCase(layout.slice(i + 3))) return chunkAt(layout, i, Std.WeekDay, 3);
          }
          if (layout.startsWith('MST', i)) return chunkAt(layout, i, Std.TZ, 3);
        }
        break;
      case '0': {
        const n = layout.charCodeAt(i + 1);
        if (n >= 0x31 && n <= 0x36) return chunkAt(layout, i, std0x[n - 0x31] as Std, 2);
        if (layout.startsWith('002', i)) return chunkAt(layout, i, Std.ZeroYearDay, 3);
        break;
      }
      case '1':
        if (layout[i + 1] === '5') return chunkAt(layout, i, Std.Hour, 2);
        return chunkAt(layout, i, Std.NumMonth, 1);
      case '2':
        if (layout.startsWith('2006', i)) return chunkAt(layout, i, Std.LongYear, 4);
        return chunkAt(layout, i, Std.Day, 1);
      case '_':
        if (layout[i + 1] === '2') {
          if (layout.startsWith('2006', i + 1)) {
            return { prefix: layout.slice(0, i + 1), std: Std.LongYear, suffix: layout.slice(i + 5) };
          }
          return chunkAt(layout, i, Std.UnderDay, 2);
        }
        if (layout.startsWith('__2', i)) return chunkAt(layout, i, Std.UnderYearDay, 3);
        break;
      case '3':
        return chunkAt(layout, i, Std.Hour12, 1);
      case '4':
        return chunkAt(layout, i, Std.Minute, 1);
      case '5':
        return chunkAt(layout, i, Std.Second, 1);
      case 'P':
        if (layout[i + 1] === 'M') return chunkAt(layout, i, Std.PM, 2);
        break;
      case 'p':
        if (layout[i + 1] === 'm') return chunkAt(layout, i, Std.pm, 2);
        break;
      case '-':
        if (layout.startsWith('-070000', i)) return chunkAt(layout, i, Std.NumSecondsTz, 7);
        if (layout.startsWith('-07:00:00', i)) return chunkAt(layout, i, Std.NumColonSecondsTZ, 9);
        if (layout.startsWith('-0700', i)) return chunkAt(layout, i, Std.NumTZ, 5);
        if (layout.startsWith('-07:00', i)) return chunkAt(layout, i, Std.NumColonTZ, 6);
        if (layout.startsWith('-07', i)) return chunkAt(layout, i, Std.NumShortTZ, 3);
        break;
      case 'Z':
        if (layout.startsWith('Z070000', i)) return chunkAt(layout, i, Std.ISO8601SecondsTZ, 7);
        if (layout.startsWith('Z07:00:00', i)) return chunkAt(layout, i, Std.ISO8601ColonSecondsTZ, 9);
        if (layout.startsWith('Z0700', i)) return chunkAt(layout, i, Std.ISO8601TZ, 5);
        if (layout.startsWith('Z07:00', i)) return chunkAt(layout, i, Std.ISO8601ColonTZ, 6);
        if (layout.startsWith('Z07', i)) return chunkAt(layout, i, Std.ISO8601ShortTZ, 3);
        break;
      case '.':
      case ',': {
        const ch = layout[i + 1];
        if (ch === '0' || ch === '9') {
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!isDigitAt(layout, j)) {
            return {
              prefix: layout.slice(0, i),
              std: ch === '0' ? Std.FracSecond0 : Std.FracSecond9,
              fracDigits: j - (i + 1),
              fracSep: c,
              suffix: layout.slice(j),
            };
          }
        }
        break;
      }
    }
  }
  return { prefix: layout, std: Std.None, suffix: '' };
}

function pad(n: number, width: number): string {
  if (n < 0) return '-' + String(-n).padStart(width, '0');
  return String(n).padStart(width, '0');
}

/** Go's Time.Format with the reference layout "Mon Jan 2 15:04:05 MST 2006". */
export function formatTime(t: GoTime, layout: string): string {
  const f = t.fields();
  const { offset, abbr } = t.zoneInfo();
  let out = '';
  for (;;) {
    const chunk = nextStdChunk(layout);
    out += chunk.prefix;
    if (chunk.std === Std.None) break;
    layout = chunk.suffix;
    switch (chunk.std) {
      case Std.Year:
        out += pad(((f.year % 100) + 100) % 100, 2);
        break;
      case Std.LongYear:
        out += pad(f.year, 4);
        break;
      case Std.Month:
        out += (MONTHS[f.month - 1] ?? '').slice(0, 3);
        break;
      case Std.LongMonth:
        out += MONTHS[f.month - 1] ?? '';
        break;
      case Std.NumMonth:
        out += String(f.month);
        break;
      case Std.ZeroMonth:
        out += pad(f.month, 2);
        break;
      case Std.WeekDay:
        out += (DAYS[f.weekday] ?? '').slice(0, 3);
        break;
      case Std.LongWeekDay:
        out += DAYS[f.weekday] ?? '';
        break;
      case Std.Day:
        out += String(f.day);
        break;
      case Std.UnderDay:
        out += f.day < 10 ? ' ' + String(f.day) : String(f.day);
        break;
      case Std.ZeroDay:
        out += pad(f.day, 2);
        break;
      case Std.UnderYearDay:
        out += String(f.yday).padStart(3, ' ');
        break;
      case Std.ZeroYearDay:
        out += pad(f.yday, 3);
        break;
      case Std.Hour:
        out += pad(f.hour, 2);
        break;
      case Std.Hour12:
        out += String(f.hour % 12 === 0 ? 12 : f.hour % 12);
        break;
      case Std.ZeroHour12:
        out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, 2);
        break;
      case Std.Minute:
        out += String(f.minute);
        break;
      case Std.ZeroMinute:
        out += pad(f.minute, 2);
        break;
      case Std.Second:
        out += String(f.second);
        break;
      case Std.ZeroSecond:
        out += pad(f.second, 2);
        break;
      case Std.PM:
        out += f.hour >= 12 ? 'PM' : 'AM';
        break;
      case Std.pm:
        out += f.hour >= 12 ? 'pm' : 'am';
        break;
      case Std.ISO8601TZ:
      case Std.ISO8601ColonTZ:
      case Std.ISO8601SecondsTZ:
      case Std.ISO8601ShortTZ:
      case Std.ISO8601ColonSecondsTZ:
      case Std.NumTZ:
      case Std.NumColonTZ:
      case Std.NumSecondsTz:
      case Std.NumShortTZ:
      case Std.NumColonSecondsTZ: {
        const iso =
          chunk.std === Std.ISO8601TZ ||
          chunk.std === Std.ISO8601ColonTZ ||
          chunk.std === Std.ISO8601SecondsTZ ||
          chunk.std === Std.ISO8601ShortTZ ||
          chunk.std === Std.ISO8601ColonSecondsTZ;
        if (offset === 0 && iso) {
          out += 'Z';
          break;
        }
        let zone = Math.trunc(offset / 60);
        let absoffset = offset;
        if (zone < 0) {
          out += '-';
          zone = -zone;
          absoffset = -absoffset;
        } else {
          out += '+';
        }
        out += pad(Math.floor(zone / 60), 2);
        const colon =
          chunk.std === Std.ISO8601ColonTZ ||
          chunk.std === Std.NumColonTZ ||
          chunk.std === Std.ISO8601ColonSecondsTZ ||
          chunk.std === Std.NumColonSecondsTZ;
        if (colon) out += ':';
        if (chunk.std !== Std.NumShortTZ && chunk.std !== Std.ISO8601ShortTZ) out += pad(zone % 60, 2);
        const secs =
          chunk.std === Std.ISO8601SecondsTZ ||
          chunk.std === Std.NumSecondsTz ||
          chunk.std === Std.NumColonSecondsTZ ||
          chunk.std === Std.ISO8601ColonSecondsTZ;
        if (secs) {
          if (chunk.std === Std.NumColonSecondsTZ || chunk.std === Std.ISO8601ColonSecondsTZ) out += ':';
          out += pad(absoffset % 60, 2);
        }
        break;
      }
      case Std.TZ: {
        if (abbr !== '') {
          out += abbr;
          break;
        }
        let zone = Math.trunc(offset / 60);
        if (zone < 0) {
          out += '-';
          zone = -zone;
        } else {
          out += '+';
        }
        out += pad(Math.floor(zone / 60), 2) + pad(zone % 60, 2);
        break;
      }
      case Std.FracSecond0:
      case Std.FracSecond9: {
        const n = chunk.fracDigits ?? 0;
        let digits = String(t.nsec).padStart(9, '0').slice(0, n);
        if (chunk.std === Std.FracSecond9) {
          digits = digits.replace(/0+$/, '');
          if (digits === '') break;
        }
        out += (chunk.fracSep ?? '.') + digits;
        break;
      }
    }
  }
  return out;
}

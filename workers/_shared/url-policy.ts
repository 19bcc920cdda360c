/**
 * Which URLs the platform will call out to (server-side request forgery guard): webhook endpoints
 * (checked when an endpoint is created or updated and again before every attempt, so a rule
 * tightened later also stops existing endpoints) and the websites the market finder scans (checked
 * before the fetch, and again for each redirect it is told to follow); the partners worker holds a
 * partner's landing URL (where the public click router redirects) to the same rules. Pure: no DNS, no I/O.
 *
 * Host names are not resolved (Workers cannot resolve to a socket address we could vet), so a public
 * name pointing at a private address is not caught here; Cloudflare's outbound fetch does not route to
 * private networks, and redirects are never followed (see attempt.service.ts), which closes the usual
 * "public URL redirects to the metadata service" path.
 */

export interface UrlPolicy {
  /** Production: https only. */
  production: boolean;
  /** Local development: loopback hosts (127.0.0.0/8, ::1, localhost) are allowed, over http or https. */
  allowLoopback: boolean;
  /** What the URL is for, as refusals name it (default "webhook endpoints"). */
  subject?: string;
}

export type UrlVerdict =
  | { ok: true; href: string }
  | { ok: false; rule: "url" | "ssrf"; reason: string };

type AddressClass = "loopback" | "private" | "link_local" | "cgnat" | "unspecified" | "metadata" | "reserved";

const MAX_URL_LENGTH = 2048;

/** Cloud metadata services, by name (their addresses are link-local and caught as such). */
const METADATA_HOSTS = new Set(["metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"]);

/** Suffixes that only ever name hosts on a private network. */
const PRIVATE_SUFFIXES = [".internal", ".local", ".localdomain", ".home.arpa", ".intranet", ".lan"];

const CLASS_MESSAGE: Record<AddressClass, string> = {
  loopback: "a loopback address",
  private: "a private-network address",
  link_local: "a link-local address",
  cgnat: "a carrier-grade NAT address (100.64.0.0/10)",
  unspecified: "the unspecified address",
  metadata: "a cloud metadata service",
  reserved: "a reserved or non-unicast address",
};

/** Vet `raw` as a URL to call out to; on success `href` is the normalized URL to store and call. */
export function checkEndpointUrl(raw: unknown, policy: UrlPolicy): UrlVerdict {
  if (typeof raw !== "string" || raw.trim() === "") return { ok: false, rule: "url", reason: "url must be an absolute http(s) URL" };
  const text = raw.trim();
  if (text.length > MAX_URL_LENGTH) return { ok: false, rule: "url", reason: `url must be at most ${MAX_URL_LENGTH} characters` };
  // The WHATWG parser silently drops tabs and newlines and accepts `http:host`; either would let the
  // text we vet differ from the URL we call, so such spellings are refused outright.
  if (/[\u0000-\u0020\u007f\\]/.test(text)) return ssrf("url must not contain whitespace, control characters or backslashes");
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(text)?.[1];
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, rule: "url", reason: "url must be an absolute http(s) URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return ssrf(`url scheme ${url.protocol.replace(/:$/, "")} is not allowed; use https`);
  if (authority === undefined) return ssrf("url must be written as scheme://host/path");
  if (url.username !== "" || url.password !== "" || authority.includes("@")) return ssrf("url must not contain credentials (user:password@)");

  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  const rawHost = rawHostOf(authority).toLowerCase();
  const cls = classifyHost(host, rawHost);
  if (cls === "obfuscated") return ssrf(`url host ${rawHost} is an IPv4 address in a non-standard (decimal, hex or octal) form`);
  if (cls === "single_label") return ssrf(`url host ${host} is not a public host name`);

  const loopbackAllowed = cls === "loopback" && policy.allowLoopback;
  if (cls !== null && !loopbackAllowed) return ssrf(`url host ${host} is ${CLASS_MESSAGE[cls]}; ${policy.subject ?? "webhook endpoints"} must be public`);
  if (policy.production && url.protocol !== "https:") return ssrf("url must use https");
  return { ok: true, href: url.href };
}

const ssrf = (reason: string): UrlVerdict => ({ ok: false, rule: "ssrf", reason });

/** The host as the client wrote it: no userinfo, no port. */
function rawHostOf(authority: string): string {
  const afterUser = authority.slice(authority.lastIndexOf("@") + 1);
  if (afterUser.startsWith("[")) return afterUser.slice(0, afterUser.indexOf("]") + 1);
  return afterUser.split(":")[0]!.replace(/\.$/, "");
}

function classifyHost(host: string, rawHost: string): AddressClass | "obfuscated" | "single_label" | null {
  if (host.startsWith("[") && host.endsWith("]")) {
    const groups = parseIpv6(host.slice(1, -1));
    return groups ? classifyIpv6(groups) : "reserved";
  }
  const v4 = parseDottedQuad(host);
  if (v4) {
    // The parser turns 2130706433, 0x7f.1 and 0177.0.0.1 into 127.0.0.1; only the plain
    // dotted-decimal spelling is accepted, so what a reader sees is what we call.
    if (rawHost !== host) return "obfuscated";
    return classifyIpv4(v4);
  }
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  if (METADATA_HOSTS.has(host)) return "metadata";
  if (PRIVATE_SUFFIXES.some((suffix) => host.endsWith(suffix))) return "private";
  if (!host.includes(".")) return "single_label";
  return null;
}

function parseDottedQuad(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

export function classifyIpv4([a, b, c, d]: number[]): AddressClass | null {
  if (a === undefined || b === undefined || c === undefined || d === undefined) return "reserved";
  if (a === 169 && b === 254 && c === 169 && d === 254) return "metadata";
  if (a === 0) return "unspecified";
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 169 && b === 254) return "link_local";
  if (a === 100 && b >= 64 && b <= 127) return "cgnat";
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return "reserved"; // protocol assignments, TEST-NET-1
  if (a === 198 && (b === 18 || b === 19)) return "reserved"; // benchmarking
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return "reserved"; // TEST-NET-2/3
  if (a >= 224) return "reserved"; // multicast, 240/4, broadcast
  return null;
}

/** Eight 16-bit groups, or null when `text` is not an IPv6 address. */
export function parseIpv6(text: string): number[] | null {
  let body = text.toLowerCase();
  if (body.includes("%")) return null; // zone ids never belong in a URL we call
  const tail: number[] = [];
  const dotted = /(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(body);
  if (dotted) {
    const v4 = parseDottedQuad(dotted[1]!);
    if (!v4) return null;
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    body = body.slice(0, -dotted[1]!.length);
    if (!body.endsWith("::")) body = body.replace(/:$/, "");
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const explicit = head.length + rest.length + tail.length;
  if ([...head, ...rest].some(Number.isNaN)) return null;
  if (halves.length === 1 && explicit !== 8) return null;
  if (halves.length === 2 && explicit > 7) return null;
  const zeros = new Array<number>(8 - explicit).fill(0);
  return halves.length === 2 ? [...head, ...zeros, ...rest, ...tail] : [...head, ...tail];
}

export function classifyIpv6(g: number[]): AddressClass | null {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const v4 = (hi: number, lo: number) => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
  const firstFiveZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (firstFiveZero && g5 === 0 && g6 === 0 && g7 === 0) return "unspecified";
  if (firstFiveZero && g5 === 0 && g6 === 0 && g7 === 1) return "loopback";
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the embedded IPv4 address.
  if (firstFiveZero && (g5 === 0xffff || g5 === 0)) return classifyIpv4(v4(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyIpv4(v4(g6, g7));
  if (g0 === 0x2002) return classifyIpv4(v4(g1, g2)); // 6to4 embeds its IPv4 relay
  if ((g0 & 0xfe00) === 0xfc00) return "private"; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfe80) return "link_local"; // fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return "private"; // fec0::/10 site-local (deprecated)
  if ((g0 & 0xff00) === 0xff00) return "reserved"; // multicast
  if (g0 === 0x2001 && (g1 === 0 || g1 === 0xdb8)) return "reserved"; // Teredo, documentation
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return "reserved"; // discard-only
  return null;
}

/**
 * Push through Firebase Cloud Messaging's HTTP v1 API, with a Google service account: a JWT signed
 * RS256 with the account's private key (jose) is exchanged at Google's OAuth token endpoint for an
 * access token (cached per isolate until a minute before it expires), which authorises
 * `POST /v1/projects/{projectId}/messages:send`. iOS, Android and web registrations are all FCM
 * registration tokens. The account's `client_email`, `private_key` and project id are secrets
 * (FCM_CLIENT_EMAIL, FCM_PRIVATE_KEY, FCM_PROJECT_ID); the endpoints default to Google's.
 */
import { importPKCS8, SignJWT } from "jose";
import { realClock } from "#shared/clock";

export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
export const FCM_API_BASE = "https://fcm.googleapis.com";
const FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
/** FCM answers within seconds; a push never holds a consumer longer than this. */
const TIMEOUT_MS = 10_000;

export interface FcmCredentials {
  projectId: string;
  clientEmail: string;
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), with `\n` escapes as a JSON key file has them, or real newlines. */
  privateKey: string;
  tokenUrl?: string;
  apiBase?: string;
}

export interface FcmMessage {
  token: string;
  title: string;
  body: string;
  /** FCM's data payload: string values only. */
  data: Record<string, string>;
}

/** `sent` with FCM's message name; `failed` with why, and `unregistered` when the token is dead (FCM's UNREGISTERED / 404), so it can be dropped. */
export type FcmResult = { ok: true; name: string } | { ok: false; error: string; unregistered: boolean };

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

const tokens = new Map<string, { accessToken: string; expiresAt: number }>();

/** The service account's signed assertion for the token exchange (RFC 7523), valid one hour. */
export async function serviceAccountAssertion(credentials: FcmCredentials, nowSeconds: number): Promise<string> {
  const key = await importPKCS8(credentials.privateKey.replace(/\\n/g, "\n"), "RS256");
  return new SignJWT({ scope: FCM_SCOPE })
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuer(credentials.clientEmail)
    .setSubject(credentials.clientEmail)
    .setAudience(credentials.tokenUrl ?? GOOGLE_TOKEN_URL)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + 3600)
    .sign(key);
}

/** An OAuth access token for FCM: the cached one, or a new one from the JWT-bearer exchange. */
export async function accessToken(credentials: FcmCredentials, fetcher: Fetch = fetch, now = realClock.now().getTime()): Promise<string> {
  const cacheKey = `${credentials.clientEmail}|${credentials.tokenUrl ?? GOOGLE_TOKEN_URL}`;
  const cached = tokens.get(cacheKey);
  if (cached && cached.expiresAt - 60_000 > now) return cached.accessToken;
  const assertion = await serviceAccountAssertion(credentials, Math.floor(now / 1000));
  const res = await fetcher(credentials.tokenUrl ?? GOOGLE_TOKEN_URL, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString(),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const body = (await res.json().catch(() => null)) as { access_token?: unknown; expires_in?: unknown; error?: unknown } | null;
  if (!res.ok || typeof body?.access_token !== "string") throw new Error(`FCM token exchange failed: ${res.status} ${typeof body?.error === "string" ? body.error : ""}`.trim());
  const expiresIn = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 3600;
  tokens.set(cacheKey, { accessToken: body.access_token, expiresAt: now + expiresIn * 1000 });
  return body.access_token;
}

/** Forget cached access tokens (a 401 from FCM: the token was revoked). */
export const forgetAccessTokens = () => tokens.clear();

/** Send one message. A token exchange that fails throws (every push of the pass would fail alike); FCM's refusal of one message is a value. */
export async function sendFcm(credentials: FcmCredentials, message: FcmMessage, fetcher: Fetch = fetch): Promise<FcmResult> {
  const bearer = await accessToken(credentials, fetcher);
  const url = `${credentials.apiBase ?? FCM_API_BASE}/v1/projects/${encodeURIComponent(credentials.projectId)}/messages:send`;
  const res = await fetcher(url, {
    method: "POST",
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    body: JSON.stringify({ message: { token: message.token, notification: { title: message.title, body: message.body }, data: message.data } }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const body = (await res.json().catch(() => null)) as { name?: unknown; error?: { status?: unknown; message?: unknown; details?: { errorCode?: unknown }[] } } | null;
  if (res.ok && typeof body?.name === "string") return { ok: true, name: body.name };
  if (res.status === 401) forgetAccessTokens();
  const codes = [body?.error?.status, ...(body?.error?.details ?? []).map((d) => d?.errorCode)].filter((c): c is string => typeof c === "string");
  const unregistered = res.status === 404 || codes.includes("UNREGISTERED");
  return { ok: false, error: `${res.status} ${[...new Set(codes)].join("/")} ${typeof body?.error?.message === "string" ? body.error.message.slice(0, 200) : ""}`.trim(), unregistered };
}

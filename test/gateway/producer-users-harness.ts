import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { ROLE_SCOPES, type Role } from "#shared/auth";
import { newId } from "#shared/ids";
import { realNow } from "../support/clock.ts";
import { call, json, type Tenant } from "./harness.ts";
import { glSubmission } from "./lifecycle-harness.ts";

/**
 * Producer users through the gateway: a user of the org (a row in identity's users, as signup or an
 * invitation leaves one), a JWT for them as identity issues it, and producers licensed and appointed
 * for the worked GL submission in OR (effective 2027-01-01).
 */

let npnSeq = 0;

export const send = (method: string, key: string, path: string, body?: unknown) => call(method, path, { apiKey: key, ...(body === undefined ? {} : { body }) });
export const asUser = (method: string, token: string, path: string, body?: unknown) => call(method, path, { token, ...(body === undefined ? {} : { body }) });

/** A user of `orgId` with `role`, stored in identity's database; their id. */
export async function addUser(orgId: string, role: Role): Promise<string> {
  const id = newId("usr");
  const at = new Date(realNow()).toISOString();
  await env.IDENTITY_DB.prepare(
    "INSERT INTO users (id, org_id, email, name, role, password_hash, email_verified, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'not-a-hash', 1, ?, ?)",
  )
    .bind(id, orgId, `${id.toLowerCase()}@users.example`, `User ${role}`, role, at, at)
    .run();
  return id;
}

/** A user JWT for `userId` of `orgId` with `role`'s default scopes, as identity issues them. */
export async function userToken(orgId: string, userId: string, role: Role = "producer"): Promise<string> {
  const now = Math.floor(realNow() / 1000);
  return new SignJWT({ orgId, role, scopes: [...ROLE_SCOPES[role]], typ: "user" })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setIssuer("openinsure")
    .setAudience("openinsure-api")
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(env.JWT_SECRET));
}

/** A producer of the tenant, licensed in OR for GL through 2027-06-30 and appointed (active) there, with `rates` per line. */
export async function authorizedProducer(t: Tenant, name: string, rates: Record<string, { newBusiness: number; renewal: number }> = {}) {
  const res = await send("POST", t.apiKey, "/v1/producers", {
    name,
    email: `${name.toLowerCase().replace(/[^a-z]+/g, ".")}@agents.example`,
    npn: String(8_000_000 + ++npnSeq * 13 + Math.floor(Math.random() * 7)),
    licenses: [{ state: "OR", lines: ["GL"], number: `OR-${npnSeq}`, expiresOn: "2027-06-30" }],
    commissionRates: rates,
  });
  if (res.status !== 201) throw new Error(`producer: ${res.status} ${await res.text()}`);
  const producer = await json(res);
  const appt = await json(await send("POST", t.apiKey, `/v1/producers/${producer.id}/appointments`, { carrier: "Summit Mutual", state: "OR", lines: ["GL"] }));
  const activated = await send("PATCH", t.apiKey, `/v1/producers/${producer.id}/appointments/${appt.id}`, { status: "active" });
  if (activated.status !== 200) throw new Error(`appointment: ${activated.status} ${await activated.text()}`);
  return producer as { id: string; name: string; userId: string | null };
}

/** Link `userId` to producer `producerId` (as the org's admin key); the answer. */
export const linkUser = (t: Tenant, producerId: string, userId: string | null) => send("PATCH", t.apiKey, `/v1/producers/${producerId}`, { userId });

/** A submission through `producerId` (or none) created, quoted and bound by the admin key: the submission and its policy. */
export async function boundThrough(t: Tenant, producerId: string | null, overrides: Record<string, unknown> = {}) {
  const created = await send("POST", t.apiKey, "/v1/submissions", glSubmission({ ...(producerId ? { producerId } : {}), ...overrides }));
  if (created.status !== 201) throw new Error(`submission: ${created.status} ${await created.text()}`);
  const sub = await json(created);
  const quoted = await send("POST", t.apiKey, `/v1/submissions/${sub.id}/quote`);
  if (quoted.status !== 201) throw new Error(`quote: ${quoted.status} ${await quoted.text()}`);
  const bound = await send("POST", t.apiKey, `/v1/submissions/${sub.id}/bind`, { installmentPlan: "PIF" });
  if (bound.status !== 201) throw new Error(`bind: ${bound.status} ${await bound.text()}`);
  return { sub, policy: await json(bound) };
}

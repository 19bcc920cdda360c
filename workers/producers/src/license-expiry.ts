/**
 * `producer.license_expiring` (issue 14): raised once per license when it expires within 30 days.
 * The producers cron (hourly) finds the licenses of non-terminated producers whose `expiresOn` lies
 * from today to today + 30 days and that have no notice yet, and writes for each the notice row
 * (`license_expiry_notices`, keyed by producer, state and expiry day) and the event in one batch:
 * a second run, or two runs at once, meets the key and writes nothing. A license renewed to a new
 * expiry day is a new license and warns again when that day nears.
 *
 * "Today" is a business date, so it is the org's clock: in development each org's sandbox offset
 * is asked of identity (as the gateway stamps it on requests); elsewhere every org is on real time
 * and one query serves them all.
 */
import { sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { LineOfBusiness, UsState } from "#contract/types.gen";
import { sandboxClockEnabled } from "#shared/clock";
import { addDays, daysBetween, formatDate } from "#shared/dates";
import { atomically, isUniqueViolation } from "#shared/db";
import { newId } from "#shared/ids";
import { recordOutboxEvent } from "#shared/outbox";
import type { ProducersEnv } from "./env.ts";
import { licenseExpiryNotices } from "./schema.ts";

/** A license expiring within this many days (inclusive) raises the event. */
export const EXPIRY_WARNING_DAYS = 30;
/** Licenses judged per query; the rest wait for the next pass of the same run. */
const PASS_SIZE = 100;

interface ExpiringLicense {
  producer_id: string;
  org_id: string;
  name: string;
  npn: string;
  state: UsState;
  lines: string;
  number: string;
  expires_on: string;
}

function expiring(db: DrizzleD1Database, today: string, orgId: string | null): Promise<ExpiringLicense[]> {
  const horizon = addDays(today, EXPIRY_WARNING_DAYS);
  const inOrg = orgId === null ? sql`` : sql`AND p.org_id = ${orgId}`;
  return db.all<ExpiringLicense>(sql`
    SELECT p.id AS producer_id, p.org_id, p.name, p.npn, json_extract(l.value, '$.state') AS state,
      json_extract(l.value, '$.lines') AS lines, json_extract(l.value, '$.number') AS number,
      json_extract(l.value, '$.expiresOn') AS expires_on
    FROM producers p, json_each(p.licenses) l
    WHERE p.status != 'terminated' ${inOrg}
      AND json_extract(l.value, '$.expiresOn') >= ${today} AND json_extract(l.value, '$.expiresOn') <= ${horizon}
      AND NOT EXISTS (
        SELECT 1 FROM license_expiry_notices n
        WHERE n.producer_id = p.id AND n.state = json_extract(l.value, '$.state') AND n.expires_on = json_extract(l.value, '$.expiresOn'))
    ORDER BY p.id, state LIMIT ${PASS_SIZE}`);
}

/** The notice and its event for one license, in one batch; false when a concurrent run already wrote it. */
async function notify(db: DrizzleD1Database, license: ExpiringLicense, today: string, at: string): Promise<boolean> {
  const eventId = newId("evt");
  const data = {
    producerId: license.producer_id,
    producerName: license.name,
    npn: license.npn,
    state: license.state,
    lines: JSON.parse(license.lines) as LineOfBusiness[],
    number: license.number,
    expiresOn: license.expires_on,
    daysLeft: daysBetween(today, license.expires_on),
  };
  try {
    await atomically(db, [
      db.insert(licenseExpiryNotices).values({ orgId: license.org_id, producerId: license.producer_id, state: license.state, expiresOn: license.expires_on, eventId, notifiedAt: at }),
      recordOutboxEvent(db, license.org_id, "producer.license_expiring", data, at, eventId),
    ]);
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** Every license of one clock's orgs (`orgId` null: all orgs) expiring within the window, notified once. */
async function sweep(db: DrizzleD1Database, now: Date, orgId: string | null): Promise<number> {
  const today = formatDate(now);
  const at = now.toISOString();
  let raised = 0;
  for (;;) {
    const batch = await expiring(db, today, orgId);
    for (const license of batch) if (await notify(db, license, today, at)) raised++;
    if (batch.length < PASS_SIZE) return raised;
  }
}

/**
 * Raise `producer.license_expiring` for every license newly within {@link EXPIRY_WARNING_DAYS} days
 * of expiring, as of `now` (the cron's scheduled time) on each org's clock. Returns how many were raised.
 */
export async function raiseExpiringLicenses(db: DrizzleD1Database, env: Pick<ProducersEnv, "ENVIRONMENT" | "IDENTITY">, now: Date): Promise<number> {
  if (!sandboxClockEnabled(env.ENVIRONMENT)) return sweep(db, now, null);
  const orgs = await db.all<{ org_id: string }>(sql`SELECT DISTINCT org_id FROM producers WHERE status != 'terminated'`);
  let raised = 0;
  for (const { org_id } of orgs) {
    const offset = await env.IDENTITY.clockOffsetOf(org_id);
    // The org's clock at the cron's own instant.
    raised += await sweep(db, new Date(now.getTime() + (Number.isFinite(offset) ? offset : 0)), org_id);
  }
  return raised;
}

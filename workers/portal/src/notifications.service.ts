/**
 * Notifications to insureds: payment due in 3 days, payment failed, claim status changed and
 * certificate ready. Each goes by email through the platform's outbox (identity's `queueEmail`) and
 * to every push token the insured registered (at most 10): through FCM HTTP v1 in production, to the
 * sandbox push log in development.
 *
 * Once per cause: the cause key (`event:{eventId}`, `payment_due:{invoiceId}:{dueDate}`,
 * `certificate:{certificateId}`) is unique per org in `notifications`, so a redelivered event or the
 * next cron pass finds the row and sends nothing again. A pass claims the row before delivering
 * (a claim older than {@link CLAIM_STALE_MS} is presumed dead); within a row the email is queued once
 * (its id is kept) and each token is pushed once (one `push_deliveries` row per notification and
 * token). An org whose portal is off (`portal.enabled`) notifies nobody.
 */
import { realClock } from "#shared/clock";
import { platformEmail } from "#shared/email-templates";
import { isDevelopment } from "#shared/environment";
import { newId } from "#shared/ids";
import type { PortalEnv } from "./env.ts";
import { portalEnabled } from "./enabled.ts";
import { sendFcm, type FcmCredentials } from "./fcm.ts";
import { MAX_PUSH_TOKENS } from "./portal.service.ts";

export type NotificationKind = "payment_due" | "payment_failed" | "claim_status" | "certificate_ready";

/** One notification to send: whom, why (its unique cause) and what it says. */
export interface NotificationCause {
  orgId: string;
  insuredId: string;
  kind: NotificationKind;
  causeKey: string;
  title: string;
  body: string;
  /** What a client opens from it; FCM carries string values only. */
  data: Record<string, string>;
}

export type NotifyOutcome =
  | { status: "delivered"; notificationId: string; emailQueued: boolean; pushes: number }
  | { status: "duplicate"; notificationId: string }
  | { status: "in_progress"; notificationId: string }
  | { status: "portal_disabled" }
  | { status: "no_insured" };

/** A delivering pass that has been silent this long died; another may take the row over. */
export const CLAIM_STALE_MS = 120_000;

interface NotificationRow {
  id: string;
  delivered_at: string | null;
  email_id: string | null;
}

/** The FCM credentials from the worker's secrets, or null when they are not all set. */
export function fcmCredentials(env: Pick<PortalEnv, "FCM_PROJECT_ID" | "FCM_CLIENT_EMAIL" | "FCM_PRIVATE_KEY" | "FCM_TOKEN_URL" | "FCM_API_BASE">): FcmCredentials | null {
  if (!env.FCM_PROJECT_ID || !env.FCM_CLIENT_EMAIL || !env.FCM_PRIVATE_KEY) return null;
  return {
    projectId: env.FCM_PROJECT_ID,
    clientEmail: env.FCM_CLIENT_EMAIL,
    privateKey: env.FCM_PRIVATE_KEY,
    ...(env.FCM_TOKEN_URL ? { tokenUrl: env.FCM_TOKEN_URL } : {}),
    ...(env.FCM_API_BASE ? { apiBase: env.FCM_API_BASE } : {}),
  };
}

/** Send `cause` once: record it, queue its email, push it to each of the insured's tokens. Throws when a callee is down (the caller retries; nothing is sent twice). */
export async function notify(env: PortalEnv, cause: NotificationCause, fetcher: typeof fetch = fetch): Promise<NotifyOutcome> {
  if (!(await portalEnabled(env, cause.orgId))) return { status: "portal_disabled" };
  const insured = await env.UNDERWRITING.insuredOf(cause.orgId, cause.insuredId);
  if (!insured) return { status: "no_insured" };
  const db = env.PORTAL_DB;
  const now = realClock.now();
  const at = now.toISOString();
  await db
    .prepare(
      `INSERT INTO notifications (id, org_id, insured_id, kind, cause_key, title, body, data, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (org_id, cause_key) DO NOTHING`,
    )
    .bind(newId("ntf"), cause.orgId, cause.insuredId, cause.kind, cause.causeKey, cause.title, cause.body, JSON.stringify(cause.data), at)
    .run();
  const row = await db.prepare(`SELECT id, delivered_at, email_id FROM notifications WHERE org_id = ?1 AND cause_key = ?2`).bind(cause.orgId, cause.causeKey).first<NotificationRow>();
  if (!row) throw new Error("notification row missing after insert");
  if (row.delivered_at) return { status: "duplicate", notificationId: row.id };
  const claimed = await db
    .prepare(`UPDATE notifications SET claimed_at = ?2 WHERE id = ?1 AND delivered_at IS NULL AND (claimed_at IS NULL OR claimed_at < ?3) RETURNING id`)
    .bind(row.id, at, new Date(now.getTime() - CLAIM_STALE_MS).toISOString())
    .first<{ id: string }>();
  if (!claimed) return { status: "in_progress", notificationId: row.id };

  let emailQueued = false;
  if (!row.email_id) {
    // certificate_ready has its own platform template; the other notifications share portal_notification.
    const template = cause.kind === "certificate_ready" ? "certificate_ready" : "portal_notification";
    const rendered = platformEmail(template, { title: cause.title, message: cause.body }, { production: !isDevelopment(env) });
    const queued = await env.IDENTITY.queueEmail({ orgId: cause.orgId, to: insured.email, kind: `portal_${cause.kind}`, ...rendered });
    if (!queued.ok) throw new Error(`the outbox refused the notification's email: ${queued.error.code}`);
    await db.prepare(`UPDATE notifications SET email_id = ?2 WHERE id = ?1`).bind(row.id, queued.value.id).run();
    emailQueued = true;
  }
  const pushes = await pushAll(env, cause, row.id, fetcher);
  await db.prepare(`UPDATE notifications SET delivered_at = ?2 WHERE id = ?1`).bind(row.id, realClock.now().toISOString()).run();
  return { status: "delivered", notificationId: row.id, emailQueued, pushes };
}

interface TokenRow {
  id: string;
  platform: string;
  token: string;
}

/** Push to each of the insured's tokens not yet pushed for this notification; the count attempted. */
async function pushAll(env: PortalEnv, cause: NotificationCause, notificationId: string, fetcher: typeof fetch): Promise<number> {
  const db = env.PORTAL_DB;
  const { results: tokens } = await db
    .prepare(
      `SELECT t.id, t.platform, t.token FROM push_tokens t
       WHERE t.org_id = ?1 AND t.insured_id = ?2
         AND NOT EXISTS (SELECT 1 FROM push_deliveries d WHERE d.notification_id = ?3 AND d.push_token_id = t.id)
       ORDER BY t.last_seen_at DESC, t.id DESC LIMIT ?4`,
    )
    .bind(cause.orgId, cause.insuredId, notificationId, MAX_PUSH_TOKENS)
    .all<TokenRow>();
  if (tokens.length === 0) return 0;
  const sandbox = isDevelopment(env);
  const credentials = sandbox ? null : fcmCredentials(env);
  const data = { ...cause.data, kind: cause.kind, notificationId };
  for (const token of tokens) {
    let status: "sandbox" | "sent" | "failed" = "sandbox";
    let providerId: string | null = null;
    let error: string | null = null;
    if (!sandbox) {
      if (!credentials) {
        status = "failed";
        error = "push_not_configured: FCM_PROJECT_ID, FCM_CLIENT_EMAIL and FCM_PRIVATE_KEY are not all set";
      } else {
        const sent = await sendFcm(credentials, { token: token.token, title: cause.title, body: cause.body, data }, fetcher);
        if (sent.ok) {
          status = "sent";
          providerId = sent.name;
        } else {
          status = "failed";
          error = sent.error;
          // FCM says the registration is gone: drop it, as the device would have.
          if (sent.unregistered) await db.prepare(`DELETE FROM push_tokens WHERE id = ?1`).bind(token.id).run();
        }
      }
    }
    await db
      .prepare(
        `INSERT INTO push_deliveries (id, org_id, insured_id, notification_id, push_token_id, platform, status, title, body, data, provider_id, error, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT (notification_id, push_token_id) DO NOTHING`,
      )
      .bind(newId("psh"), cause.orgId, cause.insuredId, notificationId, token.id, token.platform, status, cause.title, cause.body, JSON.stringify(data), providerId, error, realClock.now().toISOString())
      .run();
  }
  return tokens.length;
}

/** Money as people read it: `$1,234.50` (the amount is already major units with at most two decimals). */
export const formatMoney = (amount: number, currency: string) => new Intl.NumberFormat("en-US", { style: "currency", currency }).format(amount);

const CLAIM_STATUS_WORDS: Record<string, string> = {
  open: "received and open",
  investigating: "under investigation",
  in_settlement: "in settlement",
  settled: "settled",
  denied: "denied",
  closed: "closed",
};

/** What each notification says. */
export const messages = {
  paymentDue: (i: { number: string; policyNumber: string; amountDue: number; currency: string; dueDate: string; days: number }) => ({
    title: i.days === 0 ? `Payment due today: ${i.number}` : `Payment due in ${i.days} day${i.days === 1 ? "" : "s"}: ${i.number}`,
    body: `Invoice ${i.number} for policy ${i.policyNumber}: ${formatMoney(i.amountDue, i.currency)} is due on ${i.dueDate}.`,
  }),
  paymentFailed: (p: { number: string | null; policyNumber: string | null; amount: number; currency: string; failureMessage: string | null }) => ({
    title: `Your payment did not go through${p.number ? `: ${p.number}` : ""}`,
    body:
      `The card payment of ${formatMoney(p.amount, p.currency)}${p.number ? ` for invoice ${p.number}` : ""}${p.policyNumber ? ` (policy ${p.policyNumber})` : ""} failed` +
      `${p.failureMessage ? `: ${p.failureMessage}` : "."} Please pay with another method to keep your cover in force.`,
  }),
  claimStatus: (c: { claimNumber: string; status: string }) => ({
    title: `Claim ${c.claimNumber}: ${CLAIM_STATUS_WORDS[c.status] ?? c.status}`,
    body: `Your claim ${c.claimNumber} is now ${CLAIM_STATUS_WORDS[c.status] ?? c.status}.`,
  }),
  certificateReady: (c: { certificateNumber: string; policyNumber: string }) => ({
    title: `Your certificate of insurance is ready: ${c.certificateNumber}`,
    body: `Certificate ${c.certificateNumber} for policy ${c.policyNumber} is ready to download from your policyholder portal.`,
  }),
};

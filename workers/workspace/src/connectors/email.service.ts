/**
 * The email connector (the Opensure seed's connectors/email): the platform's own templates
 * (#shared/email-templates, read-only) beside the org's named templates with `{{variable}}`
 * placeholders, a send route that renders one and queues it through identity's outbox
 * (`IdentityInternal.queueEmail`, which in the sandbox is the email log at `GET /v1/sandbox/emails`),
 * and the log of every email of the org: what it sent here and what the platform sent of itself,
 * each followed to delivery by the email queue's consumer (./email-delivery.ts). The gateway limits
 * sends per org (100 an hour).
 */
import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { CreateEmailTemplateRequest, EmailLog, EmailLogStatus, EmailTemplate, SendEmailRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { isUniqueViolation, listKeyset, parsePageQuery, type ListQuery } from "#shared/db";
import { PLATFORM_EMAIL_TEMPLATES, platformTemplate, renderPlatformEmail } from "#shared/email-templates";
import { isProduction } from "#shared/environment";
import { fail, invalid, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { pageSize, toPage, type Page } from "#shared/pagination";
import type { WorkspaceEnv } from "../env.ts";
import { mayAdminister } from "./access.ts";
import { queuedRow } from "./email-delivery.ts";
import { emailLogs, emailTemplates, type EmailLogRow, type EmailTemplateRow } from "./schema.ts";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TEMPLATE_NAME = /^[a-z][a-z0-9_]{1,63}$/;
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;
const SUBJECT_MAX = 200;
const BODY_MAX = 20_000;
const VALUE_MAX = 1_000;
const LOG_STATUSES: readonly EmailLogStatus[] = ["queued", "sent", "failed"];

/**
 * The placeholders of a text, in order of first use; or the first malformed one (an unclosed `{{`,
 * a stray `}}`, a name that is not letters, digits and `_`).
 */
export function placeholdersOf(text: string, field: string): Result<string[]> {
  const names: string[] = [];
  const rest = text.replace(PLACEHOLDER, (_, name: string) => {
    if (!names.includes(name)) names.push(name);
    return "";
  });
  if (rest.includes("{{") || rest.includes("}}")) {
    return invalid(field, "placeholder", `${field} has a malformed placeholder: write {{name}} with letters, digits and _`);
  }
  return ok(names);
}

/** Fills every placeholder; the caller checked each has a value. */
export const render = (text: string, values: Record<string, string>): string => text.replace(PLACEHOLDER, (_, name: string) => values[name] ?? "");

function toTemplate(row: EmailTemplateRow): EmailTemplate {
  return { id: row.id, name: row.name, subject: row.subject, body: row.body, variables: row.variables, createdAt: row.createdAt, updatedAt: row.updatedAt, source: "org", description: null };
}

/**
 * The platform's templates as the list shows them: fixed ids (`etp_` and 26 digits of their place in
 * the catalogue) and their text's date, so they page with the org's own by (createdAt, id).
 */
const PLATFORM_TEMPLATES: readonly EmailTemplate[] = PLATFORM_EMAIL_TEMPLATES.map((t, i) => ({
  id: `etp_${String(i + 1).padStart(26, "0")}`,
  name: t.name,
  subject: t.subject,
  body: t.body,
  variables: [...t.variables],
  createdAt: t.since,
  updatedAt: t.since,
  source: "platform",
  description: t.description,
}));

function toLog(row: EmailLogRow): EmailLog {
  return { id: row.id, to: row.to, subject: row.subject, kind: row.kind, template: row.template, status: row.status, messageId: row.messageId, error: row.error, sentBy: row.sentBy, createdAt: row.createdAt, emailId: row.emailId, attempts: row.attempts };
}

function text(value: unknown, field: string, max: number): Result<string> {
  if (typeof value !== "string" || value.trim().length === 0) return invalid(field, "required", `${field} is required`);
  if (value.trim().length > max) return invalid(field, "length", `${field} must be at most ${max.toLocaleString("en-US")} characters`);
  return ok(value.trim());
}

export async function createTemplate(db: DrizzleD1Database, principal: Principal, input: CreateEmailTemplateRequest): Promise<Result<EmailTemplate>> {
  const allowed = mayAdminister(principal, "email templates");
  if (!allowed.ok) return allowed;
  if (input === null || typeof input !== "object") return invalid("body", "type", "The body must be a JSON object");
  if (typeof input.name !== "string" || !TEMPLATE_NAME.test(input.name)) return invalid("name", "pattern", "name must be 2–64 lowercase letters, digits and _, starting with a letter");
  if (platformTemplate(input.name)) return fail("conflict", `${input.name} is a platform template's name: choose another`, { field: "name", rule: "reserved" });
  const subject = text(input.subject, "subject", SUBJECT_MAX);
  if (!subject.ok) return subject;
  const body = text(input.body, "body", BODY_MAX);
  if (!body.ok) return body;
  const inSubject = placeholdersOf(subject.value, "subject");
  if (!inSubject.ok) return inSubject;
  const inBody = placeholdersOf(body.value, "body");
  if (!inBody.ok) return inBody;
  const at = new Date().toISOString();
  const row: EmailTemplateRow = {
    id: newId("etp"),
    orgId: principal.orgId,
    name: input.name,
    subject: subject.value,
    body: body.value,
    variables: [...new Set([...inSubject.value, ...inBody.value])],
    createdBy: principal.actorId,
    createdAt: at,
    updatedAt: at,
  };
  try {
    await db.insert(emailTemplates).values(row);
  } catch (error) {
    if (isUniqueViolation(error)) return fail("conflict", `The org already has a template named ${input.name}`, { field: "name" });
    throw error;
  }
  return ok(toTemplate(row));
}

/** Whether a platform template falls on the page: after the cursor in the page's order, within the created filters. */
function onPage(t: EmailTemplate, page: { cursor: { createdAt: string; id: string } | null; direction: "asc" | "desc" }, query: { createdAfter?: string; createdBefore?: string } | undefined): boolean {
  const c = page.cursor;
  if (c) {
    const cmp = t.createdAt === c.createdAt ? (t.id < c.id ? -1 : t.id > c.id ? 1 : 0) : t.createdAt < c.createdAt ? -1 : 1;
    if (page.direction === "desc" ? cmp >= 0 : cmp <= 0) return false;
  }
  if (query?.createdAfter !== undefined && t.createdAt < new Date(query.createdAfter).toISOString()) return false;
  if (query?.createdBefore !== undefined && t.createdAt > new Date(query.createdBefore).toISOString()) return false;
  return true;
}

/** The platform's templates and the org's own, merged into one keyset order. */
export async function listTemplates(db: DrizzleD1Database, principal: Principal, query: (ListQuery & { createdAfter?: string; createdBefore?: string }) | undefined): Promise<Result<Page<EmailTemplate>>> {
  const keyset = listKeyset(emailTemplates, query);
  if (!keyset.ok) return keyset;
  const page = parsePageQuery(query);
  if (!page.ok) return page;
  const rows = await db.select().from(emailTemplates).where(and(eq(emailTemplates.orgId, principal.orgId), keyset.value.where)).orderBy(...keyset.value.orderBy).limit(keyset.value.limit);
  const sign = page.value.direction === "desc" ? -1 : 1;
  const merged = [...rows.map(toTemplate), ...PLATFORM_TEMPLATES.filter((t) => onPage(t, page.value, query))]
    .sort((a, b) => sign * (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1))
    .slice(0, keyset.value.limit);
  return ok(toPage(merged, pageSize(query?.limit), (t) => t));
}

/** The variables as strings: each a string or a finite number, at most 1,000 characters. */
function variablesOf(input: unknown, key: "variables" | "data"): Result<Record<string, string>> {
  if (input === undefined || input === null) return ok({});
  if (typeof input !== "object" || Array.isArray(input)) return invalid(key, "type", `${key} must be an object of names to strings or numbers`);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    const field = `${key}.${name}`;
    if (typeof value === "number" && Number.isFinite(value)) out[name] = String(value);
    else if (typeof value === "string") out[name] = value;
    else return invalid(field, "type", `${field} must be a string or a number`);
    if (out[name]!.length > VALUE_MAX) return invalid(field, "length", `${field} must be at most 1,000 characters`);
  }
  return ok(out);
}

export async function sendEmail(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal, input: SendEmailRequest): Promise<Result<EmailLog>> {
  const allowed = mayAdminister(principal, "email");
  if (!allowed.ok) return allowed;
  if (input === null || typeof input !== "object") return invalid("body", "type", "The body must be a JSON object");
  const to = typeof input.to === "string" ? input.to.trim().toLowerCase() : "";
  if (to.length === 0 || to.length > 254 || !EMAIL.test(to)) return invalid("to", "email", "to must be an email address");
  if (input.variables !== undefined && input.data !== undefined) return invalid("data", "exclusive", "Give either variables or data, not both");
  const values = input.data !== undefined ? variablesOf(input.data, "data") : variablesOf(input.variables, "variables");
  if (!values.ok) return values;

  let subject: string;
  let body: string;
  let template: string | null = null;
  let deliveryBody: string | undefined;
  if (input.template !== undefined) {
    if (input.subject !== undefined || input.body !== undefined) return invalid("template", "exclusive", "Give either template or subject and body, not both");
    if (typeof input.template !== "string" || !TEMPLATE_NAME.test(input.template)) return invalid("template", "pattern", "template must be a template's name");
  }
  // A platform template renders through the catalogue (its secrets redacted in production's stored copy).
  if (typeof input.template === "string" && platformTemplate(input.template)) {
    const rendered = renderPlatformEmail(input.template, values.value, { production: isProduction(env) });
    if (!rendered.ok) {
      const field = typeof rendered.error.details?.field === "string" ? rendered.error.details.field.replace(/^data\./, input.data !== undefined ? "data." : "variables.") : "template";
      return fail("validation_failed", rendered.error.message, { ...rendered.error.details, field });
    }
    return queueAndLog(env, db, principal, to, rendered.value.subject, rendered.value.body, rendered.value.template, rendered.value.deliveryBody);
  }
  if (input.template !== undefined) {
    const row = await db.select().from(emailTemplates).where(and(eq(emailTemplates.orgId, principal.orgId), eq(emailTemplates.name, input.template))).get();
    if (!row) return invalid("template", "exists", `The org has no template named ${input.template}`);
    ({ subject, body } = row);
    template = row.name;
  } else {
    const s = text(input.subject, "subject", SUBJECT_MAX);
    if (!s.ok) return s;
    const b = text(input.body, "body", BODY_MAX);
    if (!b.ok) return b;
    subject = s.value;
    body = b.value;
  }
  const inSubject = placeholdersOf(subject, "subject");
  if (!inSubject.ok) return inSubject;
  const inBody = placeholdersOf(body, "body");
  if (!inBody.ok) return inBody;
  const missing = [...new Set([...inSubject.value, ...inBody.value])].filter((name) => !(name in values.value));
  const key = input.data !== undefined ? "data" : "variables";
  if (missing.length > 0) return fail("validation_failed", `${key} lacks ${missing.join(", ")}`, { field: `${key}.${missing[0]}`, rule: "required", missing });

  const renderedSubject = render(subject, values.value).replace(/[\r\n]+/g, " ").trim();
  if (renderedSubject.length === 0 || renderedSubject.length > SUBJECT_MAX) return invalid("subject", "length", "The rendered subject must be 1 to 200 characters");
  const renderedBody = render(body, values.value);
  if (renderedBody.length > BODY_MAX) return invalid("body", "length", "The rendered body must be at most 20,000 characters");

  return queueAndLog(env, db, principal, to, renderedSubject, renderedBody, template, deliveryBody);
}

/**
 * Queue the rendered email in identity's outbox and write its log row, keyed by the outbox's id: the
 * email queue's consumer may have written it first (it writes the same row), so the insert yields.
 */
async function queueAndLog(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal, to: string, subject: string, body: string, template: string | null, deliveryBody: string | undefined): Promise<Result<EmailLog>> {
  const emailKind = template ? "connector_template" : "connector_custom";
  const queued = await env.IDENTITY.queueEmail({
    orgId: principal.orgId,
    to,
    subject,
    body,
    kind: emailKind,
    ...(template ? { template } : {}),
    sentBy: principal.actorId,
    ...(deliveryBody !== undefined ? { deliveryBody } : {}),
  });
  const at = new Date().toISOString();
  if (!queued.ok) {
    // A failed queueing is logged too, so the org sees every attempt; the caller gets the outbox's error.
    const failed: EmailLogRow = {
      id: newId("elg"),
      orgId: principal.orgId,
      to,
      subject,
      kind: template ? `template:${template}` : "custom",
      template,
      status: "failed",
      messageId: null,
      error: queued.error.message.slice(0, 300),
      sentBy: principal.actorId,
      createdAt: at,
      emailId: null,
      attempts: 0,
      updatedAt: at,
    };
    await db.insert(emailLogs).values(failed);
    return queued;
  }
  const message = { kind: "email" as const, emailId: queued.value.id, orgId: principal.orgId, to, subject, body, emailKind, template, sentBy: principal.actorId, createdAt: queued.value.createdAt };
  await db.insert(emailLogs).values(queuedRow(message, at)).onConflictDoNothing({ target: emailLogs.emailId });
  const row = await db.select().from(emailLogs).where(and(eq(emailLogs.orgId, principal.orgId), eq(emailLogs.emailId, queued.value.id))).get();
  return ok(toLog(row!));
}

export async function listLogs(db: DrizzleD1Database, principal: Principal, query: (ListQuery & { status?: EmailLogStatus }) | undefined): Promise<Result<Page<EmailLog>>> {
  const status = query?.status;
  if (status !== undefined && !LOG_STATUSES.includes(status)) return invalid("status", "enum", `status must be one of ${LOG_STATUSES.join(", ")}`);
  const keyset = listKeyset(emailLogs, query);
  if (!keyset.ok) return keyset;
  const rows = await db
    .select()
    .from(emailLogs)
    .where(and(eq(emailLogs.orgId, principal.orgId), keyset.value.where, status ? eq(emailLogs.status, status) : undefined))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit);
  return ok(toPage(rows, pageSize(query?.limit), toLog));
}

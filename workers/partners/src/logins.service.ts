/**
 * The partner login (issue 18). Accepting an invitation consumes its single-use token and creates
 * the partner's login (or replaces its password) in one D1 batch: the login is written only from
 * the partner row that still carries the token's hash, and the same batch clears that hash, so two
 * accepts of one link cannot both succeed and a failure (an email already signing in as another
 * partner) consumes nothing. Passwords are hashed as identity hashes user passwords (#shared/crypto).
 * Signing in checks the password with the same work whether or not the email exists, and refuses a
 * revoked partner; {@link partnerLoginActive} is what the gateway asks on every partner request.
 */
import type { PartnerAcceptRequest, PartnerLogin, PartnerTokenRequest } from "#contract/types.gen";
import { realClock } from "#shared/clock";
import { hashPassword, sha256Hex, verifyPassword } from "#shared/crypto";
import { isUniqueViolation } from "#shared/db";
import { fail, ok, type Result } from "#shared/errors";
import type { PartnerSignIn } from "#shared/rpc";

/** Verified against when the email is unknown, so that path costs the same PBKDF2 work. */
const DUMMY_PASSWORD_HASH = `pbkdf2-sha256$100000$${"00".repeat(16)}$${"00".repeat(32)}`;
const BAD_TOKEN = fail("unauthorized", "The invitation link is invalid, used or expired");
const BAD_LOGIN = fail("unauthorized", "Invalid email or password");
const PASSWORD_MAX = 200;

interface LoginRow {
  partner_id: string;
  org_id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: string;
  updated_at: string;
}

const toLogin = (row: LoginRow): PartnerLogin => ({ partnerId: row.partner_id, orgId: row.org_id, email: row.email, name: row.name, createdAt: row.created_at, updatedAt: row.updated_at });

export async function acceptInvitation(db: D1Database, input: PartnerAcceptRequest, now = realClock.now()): Promise<Result<PartnerLogin>> {
  const token = typeof input?.token === "string" ? input.token : "";
  if (!token) return BAD_TOKEN;
  const tokenHash = await sha256Hex(token);
  const at = now.toISOString();
  const invited = await db
    .prepare("SELECT id FROM partners WHERE invitation_token_hash = ?1 AND invitation_expires_at > ?2 AND status <> 'revoked'")
    .bind(tokenHash, at)
    .first<{ id: string }>();
  // Only a live token is worth the PBKDF2 work.
  if (!invited) return BAD_TOKEN;
  const passwordHash = await hashPassword(input.password);
  const name = input.name?.trim() || null;
  const live = "p.id = ?1 AND p.invitation_token_hash = ?2 AND p.invitation_expires_at > ?3 AND p.status <> 'revoked'";
  try {
    const [, consumed] = await db.batch([
      db
        .prepare(
          `INSERT INTO partner_logins (partner_id, org_id, email, name, password_hash, created_at, updated_at)
           SELECT p.id, p.org_id, lower(p.contact_email), coalesce(?4, p.name), ?5, ?3, ?3 FROM partners p WHERE ${live}
           ON CONFLICT (partner_id) DO UPDATE SET password_hash = excluded.password_hash, email = excluded.email,
             name = coalesce(?4, partner_logins.name), updated_at = excluded.updated_at`,
        )
        .bind(invited.id, tokenHash, at, name, passwordHash),
      // Single use: the token's hash goes in the same batch; an accepted invitation makes the partner active.
      db
        .prepare(`UPDATE partners AS p SET invitation_token_hash = NULL, status = 'active', updated_at = ?3 WHERE ${live}`)
        .bind(invited.id, tokenHash, at),
    ]);
    if (!consumed || consumed.meta.changes === 0) return BAD_TOKEN;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return fail("conflict", "This email already signs in as another partner", { field: "email", rule: "unique" });
  }
  const row = await db.prepare("SELECT * FROM partner_logins WHERE partner_id = ?1").bind(invited.id).first<LoginRow>();
  if (!row) return BAD_TOKEN;
  return ok(toLogin(row));
}

export async function signIn(db: D1Database, input: PartnerTokenRequest): Promise<Result<PartnerSignIn>> {
  const email = typeof input?.email === "string" ? input.email.trim().toLowerCase() : "";
  const password = typeof input?.password === "string" ? input.password.slice(0, PASSWORD_MAX + 1) : "";
  const row = email
    ? await db
        .prepare("SELECT l.partner_id, l.org_id, l.name, l.password_hash, p.status FROM partner_logins l JOIN partners p ON p.id = l.partner_id WHERE l.email = ?1")
        .bind(email)
        .first<{ partner_id: string; org_id: string; name: string; password_hash: string; status: string }>()
    : null;
  const passwordOk = await verifyPassword(password, row?.password_hash ?? DUMMY_PASSWORD_HASH);
  if (!row || !passwordOk || row.status === "revoked") return BAD_LOGIN;
  return ok({ partnerId: row.partner_id, orgId: row.org_id, name: row.name });
}

/** Whether a partner JWT of this partner still works: its login exists and the partner is not revoked. */
export async function partnerLoginActive(db: D1Database, orgId: string, partnerId: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT p.status FROM partners p JOIN partner_logins l ON l.partner_id = p.id WHERE p.org_id = ?1 AND p.id = ?2")
    .bind(orgId, partnerId)
    .first<{ status: string }>();
  return !!row && row.status !== "revoked";
}

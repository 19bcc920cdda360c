/**
 * The Opensure session flow: signup → emailed 6-digit code → verify → login (opaque session token)
 * → profile / exchange for a JWT → logout. Codes and session tokens are stored as SHA-256 only.
 */
import { ROLE_SCOPES } from "#shared/auth";
import { hashPassword, randomDigits, randomToken, sha256Hex, timingSafeEqual, verifyPassword } from "#shared/crypto";
import { isUniqueViolation } from "#shared/db";
import { platformEmail } from "#shared/email-templates";
import { fail, invalid, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { signJwt } from "#shared/jwt";
import type { IdentityDeps } from "./deps.ts";
import { relayEmail } from "./email-relay.ts";
import { isProduction } from "./env.ts";
import { buildOrg, SLUG_MAX, slugify } from "./orgs.service.ts";
import { insertOrg } from "./orgs.repo.ts";
import { insertOutboxEmail, recentCodeEmails } from "./outbox.repo.ts";
import type { NewOutboxEmailRow, UserRow } from "./schema.ts";
import * as sessionsRepo from "./sessions.repo.ts";
import type {
  LoginInput,
  LogoutResult,
  ResendVerificationInput,
  ResendVerificationResult,
  SessionResponse,
  SignupInput,
  SignupResult,
  TokenResponse,
  User,
  VerifyEmailInput,
  VerifyEmailResult,
} from "./types.ts";
import * as usersRepo from "./users.repo.ts";
import { normalizeEmail, requireEmail, requireText } from "./validation.ts";

const CODE_TTL_MS = 15 * 60_000;
const CODE_MAX_ATTEMPTS = 5;
const RESEND_INTERVAL_MS = 60_000;
/**
 * At most this many codes per address per day. Each code allows CODE_MAX_ATTEMPTS guesses, so a
 * day's guesses stay at 25 in a million however the requests are spread over IPs.
 */
const CODES_PER_DAY = 5;
const DAY_MS = 24 * 3_600_000;
const SESSION_TTL_MS = 7 * 24 * 3_600_000;
const USER_JWT_TTL_SECONDS = 3600;
/** The contract's SignupRequest.password bounds (typespec/identity/auth.tsp). */
const PASSWORD_MIN = 10;
/** PBKDF2 cost does not grow with length, but nobody needs more and it bounds the work per request. */
const PASSWORD_MAX = 200;
/** Verified against when the email is unknown, so that path costs the same PBKDF2 work. */
const DUMMY_PASSWORD_HASH = `pbkdf2-sha256$100000$${"00".repeat(16)}$${"00".repeat(32)}`;

const UNAUTHORIZED = fail("unauthorized", "Invalid or missing credentials");
const BAD_LOGIN = fail("unauthorized", "Invalid email or password");
const WRONG_CODE = invalid("code", "invalid", "Invalid verification code");

export const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  orgId: row.orgId,
  role: row.role,
  emailVerified: row.emailVerified,
  createdAt: row.createdAt,
});

/** What a stored email shows instead of the code outside development. */
export const REDACTED_CODE = "••••••";

const codeHash = (userId: string, code: string) => sha256Hex(`${userId}:${code}`);

/**
 * A new code for `user`: the row to store and the email carrying it (written together). Only in
 * development does the stored email keep the code (the sandbox email log is how a developer reads
 * it); in production the stored copy is redacted, so no log or backup of the outbox holds a code.
 */
async function issueCode(deps: IdentityDeps, user: Pick<UserRow, "id" | "orgId" | "email">, now: Date) {
  const code = randomDigits(6);
  const nowIso = now.toISOString();
  const codeRow = {
    userId: user.id,
    codeHash: await codeHash(user.id, code),
    attempts: 0,
    expiresAt: new Date(now.getTime() + CODE_TTL_MS).toISOString(),
    createdAt: nowIso,
  };
  // The platform's verification_code template: production's stored copy shows the code redacted, and
  // only the message handed to the email queue (deliveryBody) carries it.
  const rendered = platformEmail("verification_code", { code }, { production: isProduction(deps.env) });
  const email = {
    id: newId("eml"),
    orgId: user.orgId,
    toAddress: user.email,
    subject: rendered.subject,
    body: rendered.body,
    kind: "verification_code",
    template: rendered.template,
    sentBy: null,
    createdAt: nowIso,
  } satisfies NewOutboxEmailRow;
  return { codeRow, email, deliveryBody: rendered.deliveryBody };
}

function validatePassword(value: unknown): Result<string> {
  if (typeof value !== "string" || value.length < PASSWORD_MIN) {
    return fail("validation_failed", `password must be at least ${PASSWORD_MIN} characters`, {
      field: "password",
      rule: "min_length",
      min: PASSWORD_MIN,
    });
  }
  if (value.length > PASSWORD_MAX) {
    return fail("validation_failed", `password must be at most ${PASSWORD_MAX} characters`, {
      field: "password",
      rule: "max_length",
      max: PASSWORD_MAX,
    });
  }
  return ok(value);
}

export async function signup(deps: IdentityDeps, input: SignupInput): Promise<Result<SignupResult>> {
  const email = requireEmail(input?.email);
  if (!email.ok) return email;
  const password = validatePassword(input.password);
  if (!password.ok) return password;
  const name = requireText(input.name, "name", 100);
  if (!name.ok) return name;
  const orgName = input.orgName === undefined ? ok(`${name.value}'s organisation`) : requireText(input.orgName, "orgName", 200);
  if (!orgName.ok) return orgName;

  const conflict = fail("conflict", "An account with this email address already exists", { field: "email" });
  if (await usersRepo.findUserByEmail(deps.db, email.value)) return conflict;

  const now = new Date();
  const nowIso = now.toISOString();
  // Org names are not unique, so a signup slug ends with the random part of the org's own ULID: unique
  // as the id is, so a namesake never collides (a short random suffix could, and would fail the signup).
  const orgId = newId("org");
  const suffix = orgId.slice(-16).toLowerCase();
  const org = buildOrg(orgName.value, `${slugify(orgName.value, SLUG_MAX - suffix.length - 1) || "org"}-${suffix}`, nowIso, orgId);
  const user: UserRow = {
    id: newId("usr"),
    orgId: org.id,
    email: email.value,
    name: name.value,
    role: "org_admin",
    passwordHash: await hashPassword(password.value),
    emailVerified: false,
    createdAt: nowIso,
    updatedAt: nowIso,
  };
  const { codeRow, email: message, deliveryBody } = await issueCode(deps, user, now);
  try {
    await deps.db.batch([
      insertOrg(deps.db, org),
      usersRepo.insertUser(deps.db, user),
      usersRepo.upsertVerificationCode(deps.db, codeRow),
      insertOutboxEmail(deps.db, message),
    ]);
  } catch (err) {
    if (isUniqueViolation(err, "users.email")) return conflict;
    throw err;
  }
  await relayEmail(deps.db, deps.env.EMAIL_QUEUE, message, deliveryBody);
  return ok({ userId: user.id, email: user.email, status: "pending_verification" });
}

export async function verifyEmail(deps: IdentityDeps, input: VerifyEmailInput): Promise<Result<VerifyEmailResult>> {
  const code = typeof input?.code === "string" ? input.code.trim() : "";
  const user = typeof input?.email === "string" ? await usersRepo.findUserByEmail(deps.db, normalizeEmail(input.email)) : undefined;
  // Unknown email, already verified, or no code: all look like a wrong code.
  const stored = user && !user.emailVerified ? await usersRepo.findVerificationCode(deps.db, user.id) : undefined;
  if (!user || !stored || !/^\d{6}$/.test(code)) return WRONG_CODE;

  if (stored.attempts >= CODE_MAX_ATTEMPTS) {
    return invalid("code", "attempts_exceeded", "Too many attempts: request a new verification code");
  }
  if (stored.expiresAt <= new Date().toISOString()) {
    return invalid("code", "expired", "Verification code has expired: request a new one");
  }
  // Spend the attempt before comparing, atomically, so parallel guesses cannot exceed the limit.
  const spent = await usersRepo.spendVerificationAttempt(deps.db, user.id, CODE_MAX_ATTEMPTS);
  if (!spent) return invalid("code", "attempts_exceeded", "Too many attempts: request a new verification code");
  if (!timingSafeEqual(await codeHash(user.id, code), spent.codeHash)) return WRONG_CODE;

  const nowIso = new Date().toISOString();
  await deps.db.batch([
    usersRepo.markEmailVerified(deps.db, user.id, nowIso),
    usersRepo.deleteVerificationCode(deps.db, user.id),
  ]);
  return ok({ verified: true, userId: user.id });
}

export async function resendVerificationCode(
  deps: IdentityDeps,
  input: ResendVerificationInput,
): Promise<Result<ResendVerificationResult>> {
  const sent = ok({ sent: true as const });
  if (typeof input?.email !== "string") return sent;
  const user = await usersRepo.findUserByEmail(deps.db, normalizeEmail(input.email));
  // Unknown or already verified: the same answer, and nothing is sent.
  if (!user || user.emailVerified) return sent;

  const now = new Date();
  const previous = await usersRepo.findVerificationCode(deps.db, user.id);
  if (previous) {
    const waitMs = Date.parse(previous.createdAt) + RESEND_INTERVAL_MS - now.getTime();
    if (waitMs > 0) {
      const retryAfter = Math.ceil(waitMs / 1000);
      return fail("rate_limit_exceeded", `Please wait ${retryAfter} s before requesting another code`, { retryAfter });
    }
  }
  const today = await recentCodeEmails(deps.db, user.email, new Date(now.getTime() - DAY_MS).toISOString());
  if (today.length >= CODES_PER_DAY) {
    const retryAfter = Math.ceil((Date.parse(today[0]!) + DAY_MS - now.getTime()) / 1000);
    return fail("rate_limit_exceeded", `At most ${CODES_PER_DAY} codes a day; try again in ${retryAfter} s`, { retryAfter });
  }
  const { codeRow, email, deliveryBody } = await issueCode(deps, user, now);
  await deps.db.batch([usersRepo.upsertVerificationCode(deps.db, codeRow), insertOutboxEmail(deps.db, email)]);
  await relayEmail(deps.db, deps.env.EMAIL_QUEUE, email, deliveryBody);
  return sent;
}

export async function login(deps: IdentityDeps, input: LoginInput): Promise<Result<SessionResponse>> {
  const password = typeof input?.password === "string" ? input.password.slice(0, PASSWORD_MAX + 1) : "";
  const user = typeof input?.email === "string" ? await usersRepo.findUserByEmail(deps.db, normalizeEmail(input.email)) : undefined;
  // Same PBKDF2 work whether or not the email exists: timing does not reveal accounts.
  const passwordOk = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !passwordOk) return BAD_LOGIN;
  if (!user.emailVerified) return fail("business_rule_violation", "Email address not verified");

  const now = new Date();
  const sessionToken = `oiss_${randomToken(32)}`;
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS).toISOString();
  await sessionsRepo.insertSession(deps.db, {
    id: newId("ses"),
    tokenHash: await sha256Hex(sessionToken),
    userId: user.id,
    expiresAt,
    createdAt: now.toISOString(),
  });
  return ok({ sessionToken, expiresAt, user: toUser(user) });
}

async function liveSession(deps: IdentityDeps, sessionToken: string) {
  if (typeof sessionToken !== "string" || !sessionToken.startsWith("oiss_") || sessionToken.length > 128) return undefined;
  return sessionsRepo.findLiveSession(deps.db, await sha256Hex(sessionToken), new Date().toISOString());
}

export async function logout(deps: IdentityDeps, sessionToken: string): Promise<Result<LogoutResult>> {
  if (typeof sessionToken !== "string" || !sessionToken.startsWith("oiss_") || sessionToken.length > 128) return UNAUTHORIZED;
  const deleted = await sessionsRepo.deleteLiveSession(deps.db, await sha256Hex(sessionToken), new Date().toISOString());
  return deleted ? ok({ loggedOut: true }) : UNAUTHORIZED;
}

export async function getProfile(deps: IdentityDeps, sessionToken: string): Promise<Result<User>> {
  const found = await liveSession(deps, sessionToken);
  return found ? ok(toUser(found.user)) : UNAUTHORIZED;
}

/** Swaps a session token for a one-hour user JWT carrying the role's default scopes. */
export async function exchangeSession(deps: IdentityDeps, sessionToken: string): Promise<Result<TokenResponse>> {
  const found = await liveSession(deps, sessionToken);
  if (!found) return UNAUTHORIZED;
  const { user } = found;
  const { token, expiresAt } = await signJwt(
    { sub: user.id, orgId: user.orgId, role: user.role, scopes: [...ROLE_SCOPES[user.role]], typ: "user", name: user.name },
    deps.env.JWT_SECRET,
    USER_JWT_TTL_SECONDS,
  );
  return ok({ token, tokenType: "Bearer", expiresAt });
}

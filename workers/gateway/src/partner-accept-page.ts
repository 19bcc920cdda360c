import type { Context } from "hono";
import type { GatewayContext } from "./env.ts";

/**
 * The page behind a partner's invitation link (`POST /v1/partners/{id}/invite` emails
 * `<origin>/partner/accept?token=…`). Like /docs it is a page for people, not a contract operation:
 * it is served by the gateway alone and calls the contract's `POST /auth/partner-accept`, then tells
 * the partner how to sign in with `POST /auth/partner-token`.
 *
 * Everything on it is the platform's own: one inline script and one inline style, allowed by a nonce
 * in the page's Content-Security-Policy and nothing else (no remote origin, no eval, no frames), and
 * the script writes only text (`textContent`), never markup. The token from the URL is HTML-escaped
 * into the form; the page is not cached and sends no Referer, so the token goes nowhere else.
 */
export const PARTNER_ACCEPT_PATH = "/partner/accept";

/** The contract operation the page's form sends to. */
const ACCEPT_ENDPOINT = "/auth/partner-accept";
const TOKEN_ENDPOINT = "/auth/partner-token";
/** The contract's bounds of `PartnerAcceptRequest`. */
const PASSWORD_MIN = 10;
const FIELD_MAX = 200;

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe for HTML element content and quoted attribute values. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

function nonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #1b1f24; }
h1 { font-size: 1.5rem; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; margin-top: .25rem; }
button { margin-top: 1.25rem; padding: .6rem 1.2rem; font: inherit; cursor: pointer; }
.hint { color: #57606a; font-size: .9rem; font-weight: normal; }
.error { color: #a40e26; background: #ffebe9; padding: .75rem; border-radius: 6px; }
.done { background: #dafbe1; padding: .75rem; border-radius: 6px; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
[hidden] { display: none; }
`;

/**
 * Sends the form as the JSON `POST /auth/partner-accept` takes and shows the outcome as text: the
 * login and how to get a token, or the error envelope's message (a used, expired or tampered link
 * is the contract's one 401).
 */
const SCRIPT = `
(() => {
  const form = document.getElementById("accept");
  const error = document.getElementById("error");
  const done = document.getElementById("done");
  const show = (message) => { error.textContent = message; error.hidden = false; };
  const messages = {
    unauthorized: "This invitation link is invalid, already used or expired. Ask the organisation that invited you to send a new invitation.",
    rate_limit_exceeded: "Too many attempts from this address. Wait a while, then try again.",
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const password = form.elements.password.value;
    if (password.length < ${PASSWORD_MIN}) return show("Choose a password of at least ${PASSWORD_MIN} characters.");
    if (password !== form.elements.confirm.value) return show("The two passwords are not the same.");
    const body = { token: form.elements.token.value, password };
    const name = form.elements.name.value.trim();
    if (name) body.name = name;
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const res = await fetch(form.action, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const answer = await res.json().catch(() => ({}));
      if (!res.ok) return show(messages[answer.error] || answer.message || "The login could not be created (HTTP " + res.status + ").");
      form.hidden = true;
      document.getElementById("login-email").textContent = answer.email;
      document.getElementById("login-partner").textContent = answer.partnerId;
      document.getElementById("token-command").textContent =
        "curl -s -X POST " + location.origin + "${TOKEN_ENDPOINT} -H \\"Content-Type: application/json\\" \\\\\\n" +
        "  -d '{\\"email\\": \\"" + answer.email + "\\", \\"password\\": \\"<your password>\\"}'";
      document.getElementById("use-command").textContent =
        "curl -s " + location.origin + "/v1/partners/" + answer.partnerId + "/commissions -H \\"Authorization: Bearer <token>\\"";
      done.hidden = false;
    } catch {
      show("The platform could not be reached. Check your connection and try again.");
    } finally {
      button.disabled = false;
    }
  });
})();
`;

function page(nonceValue: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Create your partner login · OpenInsure</title>
<style nonce="${nonceValue}">${STYLE}</style>
</head>
<body>
<h1>Create your partner login</h1>
${body}
</body>
</html>`;
}

/** `GET /partner/accept?token=…`: the form, or (without a token) what to do instead. */
export function partnerAcceptPage(c: Context<GatewayContext>): Response {
  const token = c.req.query("token") ?? "";
  const n = nonce();
  const body = !token
    ? `<p class="error" id="error">This page needs the link from your invitation email: it carries the invitation's token. Open the link from the email, or ask the organisation that invited you to send a new invitation.</p>`
    : `<p>Choose the password you will sign in with. Your login's email is the address this invitation was sent to.</p>
<form id="accept" method="post" action="${ACCEPT_ENDPOINT}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<label for="name">Your name <span class="hint">(optional; the partner's name when left empty)</span></label>
<input id="name" name="name" autocomplete="name" maxlength="${FIELD_MAX}">
<label for="password">Password <span class="hint">(at least ${PASSWORD_MIN} characters)</span></label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="${PASSWORD_MIN}" maxlength="${FIELD_MAX}" required>
<label for="confirm">The same password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="${PASSWORD_MIN}" maxlength="${FIELD_MAX}" required>
<button type="submit">Create my login</button>
</form>
<p class="error" id="error" role="alert" hidden></p>
<noscript><p class="error">This page sends your password with a short script, which your browser has turned off. You can accept the invitation with the API instead: <code>POST ${ACCEPT_ENDPOINT}</code> with <code>{"token", "password"}</code>.</p></noscript>
<section id="done" class="done" hidden>
<p><strong>Your login is ready.</strong> Sign in as <strong id="login-email"></strong> (partner <code id="login-partner"></code>).</p>
<p>To get a partner token (valid one hour), send your email and password to <code>POST ${TOKEN_ENDPOINT}</code>:</p>
<pre id="token-command"></pre>
<p>Then call the API with <code>Authorization: Bearer &lt;token&gt;</code> for your own partner, referral codes and commissions:</p>
<pre id="use-command"></pre>
</section>
<script nonce="${n}">${SCRIPT}</script>`;
  const csp = `default-src 'none'; script-src 'nonce-${n}'; style-src 'nonce-${n}'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;
  return c.html(page(n, body), 200, {
    "Content-Security-Policy": csp,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
  });
}

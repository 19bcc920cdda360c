/**
 * A local stand-in for the email provider (Resend's `POST /emails`), so the production delivery path
 * runs through the official SDK against a server on this machine. It answers in Resend's shapes
 * (`{id}`, or `{statusCode, name, message}` on an error), checks the bearer key, and replays an
 * `Idempotency-Key` it has seen: the same key answers the first email's id and is not sent twice.
 *
 * Faults by recipient (the local part's prefix): `flaky-<n>-…` answers 500 to the first `n` requests
 * of each idempotency key, then accepts; `reject-…` answers 422 `validation_error`; `limited-…`
 * answers 429 every time. Test controls (not Resend's): `GET /_standin/emails?to=` lists the emails
 * accepted (once per key), `GET /_standin/requests?to=` every request received.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface EmailStandInOptions {
  /** The API key the SDK must send (`Authorization: Bearer …`). */
  apiKey: string;
  /** Default 0: a free port. */
  port?: number;
}

export interface EmailStandIn {
  url: string;
  close(): Promise<void>;
}

interface Received {
  to: string[];
  from: string;
  subject: string;
  text: string;
  idempotencyKey: string | null;
  status: number;
  at: string;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (data += chunk));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });

export async function startEmailStandIn(options: EmailStandInOptions): Promise<EmailStandIn> {
  const requests: Received[] = [];
  const accepted = new Map<string, { id: string; email: Received }>();
  const attemptsByKey = new Map<string, number>();
  let n = 0;

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://standin");
    if (req.method === "GET" && (url.pathname === "/_standin/emails" || url.pathname === "/_standin/requests")) {
      const to = url.searchParams.get("to");
      const list = url.pathname === "/_standin/emails" ? [...accepted.values()].map((a) => ({ id: a.id, ...a.email })) : requests;
      return json(res, 200, { data: list.filter((r) => to === null || r.to.includes(to)) });
    }
    if (req.method !== "POST" || url.pathname !== "/emails") return json(res, 404, { statusCode: 404, name: "not_found", message: "The requested endpoint does not exist." });
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) return json(res, 401, { statusCode: 401, name: "missing_api_key", message: "Missing API key in the authorization header." });
    let body: { from?: string; to?: string | string[]; subject?: string; text?: string };
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return json(res, 400, { statusCode: 400, name: "validation_error", message: "Invalid JSON body." });
    }
    const to = Array.isArray(body.to) ? body.to : body.to ? [body.to] : [];
    const key = typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : null;
    const record = (status: number): Received => {
      const r = { to, from: body.from ?? "", subject: body.subject ?? "", text: body.text ?? "", idempotencyKey: key, status, at: new Date().toISOString() };
      requests.push(r);
      return r;
    };
    if (!body.from || to.length === 0 || !body.subject) {
      record(422);
      return json(res, 422, { statusCode: 422, name: "validation_error", message: "The `from`, `to` and `subject` fields are required." });
    }
    const replay = key ? accepted.get(key) : undefined;
    if (replay) {
      record(200);
      return json(res, 200, { id: replay.id });
    }
    const local = to[0]!.split("@")[0]!;
    const attempt = (attemptsByKey.get(key ?? local) ?? 0) + 1;
    attemptsByKey.set(key ?? local, attempt);
    const flaky = /^flaky-(\d+)-/.exec(local);
    if (flaky && attempt <= Number(flaky[1])) {
      record(500);
      return json(res, 500, { statusCode: 500, name: "internal_server_error", message: "An unexpected error occurred." });
    }
    if (local.startsWith("limited-")) {
      record(429);
      return json(res, 429, { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests. You can only make 2 requests per second." });
    }
    if (local.startsWith("reject-")) {
      record(422);
      return json(res, 422, { statusCode: 422, name: "validation_error", message: `The address ${to[0]} cannot receive email.` });
    }
    const id = `re_standin_${String(++n).padStart(8, "0")}`;
    const email = record(200);
    if (key) accepted.set(key, { id, email });
    else accepted.set(id, { id, email });
    return json(res, 200, { id });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

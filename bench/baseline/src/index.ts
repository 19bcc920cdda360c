/**
 * The benchmark's floor: GET /items/:id answers one D1 primary-key read and nothing else.
 * PUT /items/:id stores a body, so the benchmark can serve the very bytes the gateway returns.
 * POST /items inserts the body as a new row and answers 201 with it: the floor for a write.
 */
export default {
  async fetch(request: Request, env: { DB: D1Database }): Promise<Response> {
    const id = new URL(request.url).pathname.split("/")[2] ?? "";
    if (request.method === "POST") {
      const body = await request.text();
      await env.DB.prepare("INSERT INTO items (id, body) VALUES (?, ?)").bind(crypto.randomUUID(), body).run();
      return new Response(body, { status: 201, headers: { "content-type": "application/json" } });
    }
    if (request.method === "PUT") {
      await env.DB.prepare("INSERT OR REPLACE INTO items (id, body) VALUES (?, ?)").bind(id, await request.text()).run();
      return new Response(null, { status: 204 });
    }
    const row = await env.DB.prepare("SELECT body FROM items WHERE id = ?").bind(id).first<{ body: string }>();
    return row ? new Response(row.body, { headers: { "content-type": "application/json" } }) : new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<{ DB: D1Database }>;

/** GET /items/:id → one D1 primary-key read, nothing else: the floor the gateway is compared with. */
export default {
  async fetch(request: Request, env: { DB: D1Database }): Promise<Response> {
    const id = new URL(request.url).pathname.split("/")[2] ?? "";
    const row = await env.DB.prepare("SELECT body FROM items WHERE id = ?").bind(id).first<{ body: string }>();
    return row ? new Response(row.body, { headers: { "content-type": "application/json" } }) : new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<{ DB: D1Database }>;

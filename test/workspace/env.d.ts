declare global {
  namespace Cloudflare {
    interface Env {
      WORKSPACE_DB: D1Database;
    }
  }
}

export {};

declare global {
  namespace Cloudflare {
    interface Env {
      PRODUCERS_DB: D1Database;
    }
  }
}

export {};

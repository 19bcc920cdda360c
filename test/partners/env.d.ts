declare global {
  namespace Cloudflare {
    interface Env {
      PARTNERS_DB: D1Database;
    }
  }
}

export {};

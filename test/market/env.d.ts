declare global {
  namespace Cloudflare {
    interface Env {
      MARKET_DB: D1Database;
    }
  }
}

export {};

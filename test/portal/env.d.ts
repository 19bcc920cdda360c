declare global {
  namespace Cloudflare {
    interface Env {
      PORTAL_DB: D1Database;
      JWT_SECRET: string;
      ENVIRONMENT: string;
    }
  }
}

export {};

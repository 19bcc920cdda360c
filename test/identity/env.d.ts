export {};

declare global {
  namespace Cloudflare {
    interface Env {
      IDENTITY_DB: D1Database;
      API_SECRET: string;
      JWT_SECRET: string;
      ENVIRONMENT: string;
    }
  }
}

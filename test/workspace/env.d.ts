declare global {
  namespace Cloudflare {
    interface Env {
      WORKSPACE_DB: D1Database;
      /** The local email-provider stand-in (test/support/email-standin.setup.ts) and its key. */
      EMAIL_API_BASE_URL: string;
      EMAIL_STANDIN_KEY: string;
    }
  }
}

export {};

/** The endpoint URL policy, shared with the partners worker's landing URLs (workers/_shared/url-policy.ts). */
export * from "#shared/url-policy";

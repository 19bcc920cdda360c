/** The platform's outbound URL guard, shared with the market finder's website scan and the partners worker's landing URLs (#shared/url-policy). */
export * from "#shared/url-policy";

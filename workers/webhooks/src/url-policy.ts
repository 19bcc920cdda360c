/** The platform's outbound URL guard, shared with the market finder's website scan (#shared/url-policy). */
export * from "#shared/url-policy";

// Timestamps as stored: ISO-8601 UTC text, which sorts as it reads.
export const now = (): string => new Date().toISOString();

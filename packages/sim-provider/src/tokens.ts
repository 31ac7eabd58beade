// Rough token counts (4 characters a token), enough for usage fields to move with the text.
export function countTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

/** How much outside text (an upstream's answer, the go command's complaint) a message carries. */
export const QUOTE_LIMIT = 200;

/**
 * Outside text made fit for a one-line message: control and format
 * characters (newlines, escapes, bidi overrides) become spaces, so a quote
 * can neither forge further lines of a log nor restyle a terminal.
 */
export function oneLine(text: string, max = QUOTE_LIMIT): string {
  const flat = text
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  return clip(flat, max);
}

/** Text cut to at most max characters, an ellipsis marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Text with the userinfo of every URL in it removed: "https://user:pass@host/x" becomes "https://host/x". */
export function withoutUserinfo(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi, "$1");
}

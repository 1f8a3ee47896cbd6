/** Text with the userinfo of every URL in it removed: "https://user:pass@host/x" becomes "https://host/x". */
export function withoutUserinfo(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi, "$1");
}

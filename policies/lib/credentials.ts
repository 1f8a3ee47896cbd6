// Shapes of credentials, recognized by value whatever the setting holding them is called. Each is
// specific enough that a match is a credential, not a value that merely looks random.

export const credentialShapes: readonly { pattern: RegExp; what: string }[] = [
  // A .netrc entry: machine (or default), then login and password in either order.
  {
    pattern:
      /(^|\s)(machine\s+\S+|default)(\s+(login|account)\s+\S+)+\s+password\s+\S+|(^|\s)(machine\s+\S+|default)\s+password\s+\S+(\s+account\s+\S+)*\s+login\s/,
    what: "a .netrc password",
  },
  { pattern: /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, what: "a URL with an embedded password" },
  { pattern: /\bAuthorization:\s*(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/i, what: "an Authorization header" },
  { pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/, what: "an AWS access key id" },
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: "a PEM private key" },
  { pattern: /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/, what: "a GitHub token" },
  { pattern: /\bglpat-[A-Za-z0-9_-]{20,}/, what: "a GitLab token" },
  { pattern: /\bxox[abeprs]-[A-Za-z0-9-]{10,}/, what: "a Slack token" },
  { pattern: /\bnpm_[A-Za-z0-9]{36}\b/, what: "an npm token" },
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, what: "a JSON Web Token" },
];

/** What credential a text holds, or undefined. */
export function credentialIn(text: string): string | undefined {
  return credentialShapes.find(({ pattern }) => pattern.test(text))?.what;
}

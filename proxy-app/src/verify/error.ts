/** A checksum database answer, note or tile that does not prove what it should; the message says which and why. */
export class SumdbVerifyError extends Error {}

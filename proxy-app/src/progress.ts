/** What Progress writes to: process.stdout, or a stand-in in tests. */
export interface Terminal {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * How a long command reports. A terminal gets one status line redrawn in
 * place, with lasting lines printed above it; anything else (a CI log) gets
 * plain lines only, and the status at most every `plainEveryMs` where the
 * caller asks for it, so a log shows a long run is alive without a line per file.
 */
export class Progress {
  private status = "";
  private lastPlain: number;

  constructor(
    private readonly out: Terminal,
    private readonly err: Terminal = out,
    private readonly plainEveryMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.lastPlain = now();
  }

  get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** A line that stays: results on stdout, diagnostics (`err`) on stderr. */
  line(text: string, to: "out" | "err" = "out"): void {
    this.clear();
    (to === "out" ? this.out : this.err).write(`${text}\n`);
    if (this.tty && this.status !== "") this.out.write(this.status);
  }

  /** The state of the run: redrawn in place on a terminal; elsewhere, if `periodic`, a plain line now and then. */
  update(text: string, { periodic = false } = {}): void {
    if (this.tty) {
      this.clear();
      // Longer than the terminal is wide, it would wrap and "\r" could no longer take it back.
      this.status = text.slice(0, Math.max(20, (this.out.columns || 80) - 1));
      this.out.write(this.status);
    } else if (periodic && this.now() - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = this.now();
      this.out.write(`${text}\n`);
    }
  }

  /** Takes the status line away, before the summary. */
  end(): void {
    this.clear();
    this.status = "";
  }

  private clear(): void {
    if (this.tty && this.status !== "") this.out.write("\r\x1b[K");
  }
}

import assert from "node:assert/strict";
import { Progress, Terminal } from "../../proxy-app/src/progress";

function terminal(isTTY: boolean, columns = 40): Terminal & { text: string } {
  return {
    isTTY,
    columns,
    text: "",
    write(s: string) {
      this.text += s;
    },
  };
}

describe("Progress", () => {
  it("redraws one status line in place on a terminal, keeping lasting lines above it", () => {
    const out = terminal(true);
    const p = new Progress(out);
    p.update("[1/3] example.com/a");
    p.update("[2/3] example.com/b");
    p.line("FAILED example.com/b: gone");
    p.update(`[3/3] ${"x".repeat(100)}`);
    p.end();
    assert.equal(
      out.text,
      "[1/3] example.com/a" +
        "\r\x1b[K[2/3] example.com/b" +
        "\r\x1b[KFAILED example.com/b: gone\n[2/3] example.com/b" +
        `\r\x1b[K[3/3] ${"x".repeat(33)}` +
        "\r\x1b[K",
    );
  });

  it("writes plain lines elsewhere, and the status only every so often when asked", () => {
    const out = terminal(false);
    let now = 0;
    const p = new Progress(out, out, 10_000, () => now);
    p.update("checked 1");
    p.update("checked 2", { periodic: true });
    now = 10_000;
    p.update("checked 3", { periodic: true });
    p.update("checked 4", { periodic: true });
    p.line("mismatched a");
    p.end();
    assert.equal(out.text, "checked 3\nmismatched a\n");
  });
});

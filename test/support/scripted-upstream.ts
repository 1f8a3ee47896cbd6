import { Readable } from "node:stream";
import { Upstream, UpstreamResponse } from "../../proxy-app/src/upstream/upstream";

/** An upstream that answers from a script, recording what it was asked. */
export class ScriptedUpstream implements Upstream {
  asked: string[] = [];
  constructor(
    readonly name: string,
    private readonly answer: (path: string) => Error | string,
  ) {}
  async fetch(path: string): Promise<UpstreamResponse> {
    this.asked.push(path);
    const a = this.answer(path);
    if (a instanceof Error) throw a;
    return { body: Readable.from([Buffer.from(a)]) };
  }
}

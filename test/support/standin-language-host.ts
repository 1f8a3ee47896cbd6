/**
 * A stand-in `pulumi-language-nodejs` for the real Pulumi engine, which runs a Node.js policy pack
 * through its language host's RunPlugin (the real host is not to be had here). It does only that:
 * runs @pulumi/pulumi's run-policy-pack on the pack's directory, as the real host does (it compiles
 * the pack's TypeScript itself), and streams its output and exit code back to the engine.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { RunPluginRequest, RunPluginResponse } from "@pulumi/pulumi/proto/language_pb";
import { LanguageRuntimeService } from "@pulumi/pulumi/proto/language_grpc_pb";
import { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";

const RUN_POLICY_PACK = path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "cmd", "run-policy-pack");

function runPlugin(call: grpc.ServerWritableStream<RunPluginRequest, RunPluginResponse>): void {
  const request = call.request;
  const env = {
    ...process.env,
    ...Object.fromEntries(request.getEnvList().map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)])),
  };
  const child = spawn(process.execPath, [RUN_POLICY_PACK, ...request.getArgsList(), "."], {
    cwd: request.getInfo()?.getProgramDirectory() || request.getPwd(),
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk: Buffer) => call.write(new RunPluginResponse().setStdout(chunk)));
  child.stderr.on("data", (chunk: Buffer) => call.write(new RunPluginResponse().setStderr(chunk)));
  child.on("close", (code) => {
    call.write(new RunPluginResponse().setExitcode(code ?? 1));
    call.end();
  });
  // The engine cancels the stream when it is done with the analyzer.
  call.on("cancelled", () => child.kill());
}

const server = new grpc.Server();
// Every other method answers UNIMPLEMENTED, which the engine takes as "not supported".
server.addService(LanguageRuntimeService, {
  getPluginInfo: (_call: unknown, callback: grpc.sendUnaryData<PluginInfo>) => callback(null, new PluginInfo().setVersion("0.0.0")),
  runPlugin,
});
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  // The engine reads the port from the first line of stdout, as from every plugin.
  process.stdout.write(`${port}\n`);
});

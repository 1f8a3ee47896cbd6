import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EngineEvent, LocalWorkspace, PolicyEvent, PulumiCommand, PulumiFn, Stack } from "@pulumi/pulumi/automation";

// The real Pulumi engine on this machine: the CLI built by scripts/check-tools.js
// from the Go module proxy, a local file backend, stand-in provider plugins
// (standin-provider.ts) and the policy pack run by the engine's own analyzer
// host through a stand-in Node.js language host (standin-language-host.ts),
// all found on PATH as a pipeline's would be. Programs run inline through the Automation API, which needs no
// language host plugin.

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const CHECK_TOOLS = path.join(REPO_ROOT, "scripts", "check-tools.js");
const PROVIDERS = ["aws", "kubernetes", "tls", "random"];

export interface TestEngine {
  /** A stack of `project` (new, or selected again) running `program`, configured with `config` (and `secrets`, set as secrets). */
  stack(options: { project: string; name: string; program: PulumiFn; config: Record<string, string>; secrets?: readonly string[] }): Promise<Stack>;
  /** `pulumi preview` with policy packs, as a pipeline runs it; returns every policy finding, also when a mandatory one fails it. */
  previewWithPolicies(stack: Stack, packs: readonly string[], packConfigs: readonly string[]): Promise<{ findings: PolicyEvent[]; stdout: string }>;
  /** `pulumi up` with policy packs; rejects when a mandatory finding stops the update. */
  upWithPolicies(stack: Stack, packs: readonly string[], packConfigs: readonly string[]): Promise<{ findings: PolicyEvent[]; stdout: string }>;
  close(): void;
}

const collect = (findings: PolicyEvent[]) => (event: EngineEvent) => {
  if (event.policyEvent) findings.push(event.policyEvent);
};

function script(file: string, lines: string[]): void {
  writeFileSync(file, ["#!/bin/sh", ...lines, ""].join("\n"));
  chmodSync(file, 0o755);
}

export async function startTestEngine(region: string): Promise<TestEngine> {
  const cli = execFileSync(process.execPath, [CHECK_TOOLS, "--pulumi-cli"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  const dir = mkdtempSync(path.join(os.tmpdir(), "modproxy-engine-"));
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  symlinkSync(cli, path.join(bin, "pulumi"));
  const tsx = require.resolve("tsx/cjs");
  for (const name of PROVIDERS) {
    script(path.join(bin, `pulumi-resource-${name}`), [`exec "${process.execPath}" --require "${tsx}" "${path.join(__dirname, "standin-provider.ts")}" "$@"`]);
  }
  // The engine runs a Node.js policy pack through the language host's RunPlugin.
  script(path.join(bin, "pulumi-language-nodejs"), [
    `exec "${process.execPath}" --require "${tsx}" "${path.join(__dirname, "standin-language-host.ts")}" "$@"`,
  ]);

  const envVars = {
    PATH: `${bin}:${process.env.PATH}`,
    PULUMI_HOME: path.join(dir, "home"),
    PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "engine-test",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    MODPROXY_STANDIN_REGION: region,
  };
  mkdirSync(path.join(dir, "state"));
  const pulumiCommand = await PulumiCommand.get({ root: dir });

  return {
    async stack({ project, name, program, config, secrets = [] }) {
      // One directory per project, so a stack selected again finds its settings (the secrets salt among them).
      const workDir = path.join(dir, "projects", project);
      mkdirSync(workDir, { recursive: true });
      const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: name, projectName: project, program },
        { workDir, pulumiCommand, envVars, projectSettings: { name: project, runtime: "nodejs" } },
      );
      await stack.setAllConfig(Object.fromEntries(Object.entries(config).map(([key, value]) => [key, { value, secret: secrets.includes(key) }])));
      return stack;
    },
    async previewWithPolicies(stack, packs, packConfigs) {
      const findings: PolicyEvent[] = [];
      try {
        const result = await stack.preview({ policyPacks: [...packs], policyPackConfigs: [...packConfigs], onEvent: collect(findings) });
        return { findings, stdout: result.stdout };
      } catch (err) {
        if (!findings.some((f) => f.enforcementLevel === "mandatory")) throw err;
        return { findings, stdout: (err as Error).message };
      }
    },
    async upWithPolicies(stack, packs, packConfigs) {
      const findings: PolicyEvent[] = [];
      const result = await stack.up({ policyPacks: [...packs], policyPackConfigs: [...packConfigs], onEvent: collect(findings) });
      return { findings, stdout: result.stdout };
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

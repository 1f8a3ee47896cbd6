/**
 * Synthesizes the modproxy program offline: runs it under pulumi mocks with the config of
 * Pulumi.<stack>.yaml and returns every resource with its inputs. Used by the tests and by
 * the policy pack's `npm run policy:check` CLI.
 */
import * as path from "path";
import { parseConfig } from "./config";
import { runOffline, SynthesisResult, SynthesizedResource } from "./offlineRun";
import { createModproxy } from "./program";
import { readStackFile } from "./stackFile";

export type { SynthesisResult, SynthesizedResource };

/** The repository root, where Pulumi.yaml and the stack files live. */
export const REPO_ROOT = path.resolve(__dirname, "..");

/**
 * Runs the infra program offline under pulumi mocks with the config from Pulumi.<stack>.yaml (path
 * resolved from repo root), plus optional overrides: `config` as plain values, `secrets` as values
 * set with `--secret`. Stand-ins for the stack file's encrypted values stay secrets.
 */
export async function synthesize(stack: string, options?: { config?: Record<string, string>; secrets?: Record<string, string> }): Promise<SynthesisResult> {
  const stackFile = readStackFile(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`));
  const config = parseConfig({
    values: { ...stackFile.values, ...options?.config, ...options?.secrets },
    secretKeys: [...stackFile.secretKeys, ...Object.keys(options?.secrets ?? {})],
  });
  return runOffline({ stack, region: config.region }, () => createModproxy(config));
}

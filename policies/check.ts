import * as fs from "node:fs";
import * as path from "node:path";
import { PolicyPackConfig } from "@pulumi/policy";
import { REPO_ROOT, synthesize } from "../infra/synth";
import { evaluatePolicies } from "./evaluate";
import { formatViolations } from "./report";
import { allPolicies } from "./rules";

// `npm run policy:check -- --stack <name>`: the pipeline check without cloud credentials or the
// Pulumi CLI. Synthesizes the program under mocks, runs the pack, exits 1 on mandatory violations
// (2 on bad usage), like `pulumi preview --policy-pack policies` would block the change.

const usage = `usage: npm run policy:check -- --stack <name> [--config <pack-config.json>] [--set <namespace:key>=<value>]...

  --stack   stack whose Pulumi.<name>.yaml config the program is synthesized with (required)
  --config  policy pack config (the JSON --policy-pack-config takes);
            default policies/config/<stack>.json when that file exists
  --set     override one stack config value, e.g. --set modproxy:loadBalancerScheme=internet-facing`;

class UsageError extends Error {}

interface CheckOptions {
  stack: string;
  configFile?: string;
  stackConfig: Record<string, string>;
}

export function parseArguments(argv: readonly string[]): CheckOptions {
  const stackConfig: Record<string, string> = {};
  let stack: string | undefined;
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!["--stack", "--config", "--set"].includes(flag)) {
      throw new UsageError(`unknown argument "${flag}"`);
    }
    if (value === undefined || value.startsWith("--")) {
      throw new UsageError(`${flag} needs a value`);
    }
    i++;
    if (flag === "--stack") {
      stack = value;
    } else if (flag === "--config") {
      configFile = value;
    } else {
      const match = /^([A-Za-z0-9_-]+:[A-Za-z0-9_.-]+)=(.*)$/s.exec(value);
      if (!match) {
        throw new UsageError(`--set takes <namespace:key>=<value>, got "${value}"`);
      }
      stackConfig[match[1]] = match[2];
    }
  }
  if (!stack) {
    throw new UsageError("--stack is required");
  }
  return { stack, configFile, stackConfig };
}

function availableStacks(): string[] {
  return fs.readdirSync(REPO_ROOT).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
}

function readPackConfig(options: CheckOptions): { file?: string; config: PolicyPackConfig } {
  const stackDefault = path.join(__dirname, "config", `${options.stack}.json`);
  const file = options.configFile ?? (fs.existsSync(stackDefault) ? stackDefault : undefined);
  if (!file) {
    return { config: {} };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`cannot read pack config ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`pack config ${file} must be a JSON object keyed by policy name`);
  }
  return { file, config: parsed as PolicyPackConfig };
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseArguments(argv);
  if (!availableStacks().includes(options.stack)) {
    throw new UsageError(`unknown stack "${options.stack}": no Pulumi.${options.stack}.yaml (stacks: ${availableStacks().join(", ")})`);
  }
  const { file, config } = readPackConfig(options);
  const { resources } = await synthesize(options.stack, { config: options.stackConfig });
  const violations = await evaluatePolicies(allPolicies, resources, config);
  const overrides = Object.keys(options.stackConfig);
  process.stdout.write(
    `Policy check of stack "${options.stack}": ${resources.length} resources, ${allPolicies.length} policies` +
      `${file ? `, pack config ${path.relative(process.cwd(), file)}` : ""}${overrides.length ? `, overriding ${overrides.join(", ")}` : ""}\n\n`,
  );
  process.stdout.write(formatViolations(violations, resources));
  return violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`policy:check: ${e instanceof Error ? e.message : String(e)}\n`);
      if (e instanceof UsageError) {
        process.stderr.write(`\n${usage}\n`);
      }
      process.exit(2);
    },
  );
}

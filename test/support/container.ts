import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";

// Builds and runs the proxy's image the way a pipeline on these machines can:
// buildah for the build, podman with runc for the run (crun fails here on
// cgroups and RLIMIT_NOFILE, hence the runtime and the containers.conf below).

const REPO = path.resolve(__dirname, "../..");
/** How often a long step says it is still going, so a silent setup is not taken for a hung one. */
const HEARTBEAT_MS = 30_000;
/** How much of a command's stderr an error quotes. */
const STDERR_KEPT = 64 * 1024;

/**
 * Runs a setup step that can take minutes (seeding base images, building an
 * image), saying on stderr when it starts, that it is still going, and how
 * long it took; mocha's reporter shows nothing until the hook ends.
 */
async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
  process.stderr.write(`container setup: ${what}...\n`);
  const heartbeat = setInterval(() => process.stderr.write(`container setup: still ${what} (${elapsed()})\n`), HEARTBEAT_MS);
  heartbeat.unref();
  try {
    const result = await fn();
    process.stderr.write(`container setup: done ${what} in ${elapsed()}\n`);
    return result;
  } catch (err) {
    process.stderr.write(`container setup: failed ${what} after ${elapsed()}\n`);
    throw err;
  } finally {
    clearInterval(heartbeat);
  }
}

export interface Podman {
  (args: string[]): Promise<string>;
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ContainerTools {
  podman: Podman;
  /** podman as `podman`, for a command whose failure is the point: its exit code and both outputs. */
  podmanResult(args: string[]): Promise<CommandResult>;
  /** buildah with the same configuration; `bud` needs `--isolation chroot` here. */
  buildah(args: string[]): Promise<string>;
  /**
   * Puts the base images a build here cannot pull into local storage (see
   * scripts/seed-base-image.sh); returns the Go version of the golang one, e.g. "1.26".
   */
  seedBaseImages(): Promise<string>;
  /** Builds proxy-app/Dockerfile: its last stage (the full image), or the stage `target` names (e.g. "slim"). */
  buildImage(tag: string, target?: string): Promise<void>;
  /** An image's size in bytes, as podman counts it (all its layers, uncompressed). */
  imageSize(tag: string): Promise<number>;
  cleanup(): Promise<void>;
}

/** What a bud's output says as it goes: each step it starts, e.g. "[2/4] STEP 3/6: RUN npm ci". */
const BUILD_STEP = /^(\[\d+\/\d+\] )?STEP \d+\/\d+: /;

/** A podman/buildah environment whose containers.conf clears default ulimits. */
export async function containerTools(): Promise<ContainerTools> {
  const confDir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-containers-"));
  const conf = path.join(confDir, "containers.conf");
  await fs.writeFile(conf, "[containers]\ndefault_ulimits = []\n");
  const env = { ...process.env, CONTAINERS_CONF: conf };
  /** Runs a command to its end; lines of its output that `progress` picks are shown on stderr as they come. */
  const collect = (cmd: string, args: string[], timeout: number, progress?: (line: string) => boolean) =>
    new Promise<CommandResult>((resolve, reject) => {
      const child = spawn(cmd, args, { env, cwd: REPO, timeout, stdio: ["ignore", "pipe", "pipe"] });
      const output = { stdout: "", stderr: "" };
      for (const stream of ["stdout", "stderr"] as const) {
        readline.createInterface({ input: child[stream] }).on("line", (line) => {
          // stdout is the answer, kept whole; stderr only explains a failure.
          output[stream] = stream === "stdout" ? output.stdout + line + "\n" : (output.stderr + line + "\n").slice(-STDERR_KEPT);
          if (progress?.(line)) process.stderr.write(`container setup: ${line}\n`);
        });
      }
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, ...output }));
    });
  /** Runs a command for its stdout, failing unless it exits 0. */
  const exec = async (cmd: string, args: string[], timeout: number, progress?: (line: string) => boolean) => {
    const r = await collect(cmd, args, timeout, progress);
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.signal ?? `exit ${r.code}`})\n${r.stdout}\n${r.stderr}`);
    return r.stdout.trim();
  };
  const podman: Podman = (args) => exec("podman", ["--runtime", "runc", ...args], 120_000);
  const podmanResult = (args: string[]) => collect("podman", ["--runtime", "runc", ...args], 120_000);
  const buildah = (args: string[]) => {
    if (args[0] !== "bud") return exec("buildah", args, 600_000);
    const tag = args.indexOf("-t");
    return step(tag < 0 ? "building an image" : `building image ${args[tag + 1]}`, () => exec("buildah", args, 600_000, (line) => BUILD_STEP.test(line)));
  };
  const seedBaseImages = async () => {
    // The script's lines (what it makes, Node being fetched) are its progress.
    await step("seeding base images (scripts/seed-base-image.sh)", () =>
      exec("bash", [path.join(REPO, "scripts/seed-base-image.sh")], 300_000, (line) => line.startsWith("seed-base-image:") || line.startsWith("modproxy:")),
    );
    // The seeded golang image holds this machine's Go toolchain.
    return (await exec("go", ["env", "GOVERSION"], 10_000)).replace(/^go(\d+\.\d+).*$/, "$1");
  };
  return {
    podman,
    podmanResult,
    buildah,
    seedBaseImages,
    async buildImage(tag: string, target?: string) {
      const goVersion = await seedBaseImages();
      await buildah([
        "bud",
        "--isolation",
        "chroot",
        "--layers",
        "--build-arg",
        `GO_VERSION=${goVersion}`,
        ...(target ? ["--target", target] : []),
        "-f",
        "proxy-app/Dockerfile",
        "-t",
        tag,
        ".",
      ]);
    },
    async imageSize(tag: string) {
      return Number(await podman(["image", "inspect", "--format", "{{.Size}}", tag]));
    },
    cleanup: () => fs.rm(confDir, { recursive: true, force: true }),
  };
}

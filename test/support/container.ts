import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

// Builds and runs the proxy's image the way a pipeline on these machines can:
// buildah for the build, podman with runc for the run (crun fails here on
// cgroups and RLIMIT_NOFILE, hence the runtime and the containers.conf below).

const run = promisify(execFile);
const REPO = path.resolve(__dirname, "../..");
/** How often a long step says it is still going, so a silent setup is not taken for a hung one. */
const HEARTBEAT_MS = 30_000;

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

export interface ContainerTools {
  podman: Podman;
  /** buildah with the same configuration; `bud` needs `--isolation chroot` here. */
  buildah(args: string[]): Promise<string>;
  /**
   * Puts the base images a build here cannot pull into local storage (see
   * scripts/seed-base-image.sh); returns the Go version of the golang one, e.g. "1.26".
   */
  seedBaseImages(): Promise<string>;
  buildImage(tag: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** A podman/buildah environment whose containers.conf clears default ulimits. */
export async function containerTools(): Promise<ContainerTools> {
  const confDir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-containers-"));
  const conf = path.join(confDir, "containers.conf");
  await fs.writeFile(conf, "[containers]\ndefault_ulimits = []\n");
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const exec = async (cmd: string, args: string[], timeout: number) => {
    try {
      return (await run(cmd, args, { env, cwd: REPO, timeout, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${cmd} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`, { cause: err });
    }
  };
  const podman: Podman = (args) => exec("podman", ["--runtime", "runc", ...args], 120_000);
  const buildah = (args: string[]) => {
    const build = () => exec("buildah", args, 600_000);
    const tag = args.indexOf("-t");
    return args[0] === "bud" ? step(tag < 0 ? "building an image" : `building image ${args[tag + 1]}`, build) : build();
  };
  const seedBaseImages = async () => {
    await step("seeding base images (scripts/seed-base-image.sh)", () => exec("bash", [path.join(REPO, "scripts/seed-base-image.sh")], 300_000));
    // The seeded golang image holds this machine's Go toolchain.
    return (await exec("go", ["env", "GOVERSION"], 10_000)).replace(/^go(\d+\.\d+).*$/, "$1");
  };
  return {
    podman,
    buildah,
    seedBaseImages,
    async buildImage(tag: string) {
      const goVersion = await seedBaseImages();
      await buildah(["bud", "--isolation", "chroot", "--layers", "--build-arg", `GO_VERSION=${goVersion}`, "-f", "proxy-app/Dockerfile", "-t", tag, "."]);
    },
    cleanup: () => fs.rm(confDir, { recursive: true, force: true }),
  };
}

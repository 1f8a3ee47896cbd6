import * as assert from "assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXAMPLE_DIR, synthesizeExample } from "../support/example-program";

// The blueprint as a platform repo gets it: `npm pack` of packages/blueprint (its prepack builds it),
// unpacked into a project of its own next to the dependencies it declares and nothing else.

const REPO = path.resolve(__dirname, "..", "..");
const PACKAGE_DIR = path.join(REPO, "packages", "blueprint");
const NAME = "@modproxy/blueprint";

interface Packed {
  filename: string;
  files: { path: string }[];
}

/** Runs node in `cwd` with `args`, returning its stdout. */
function node(cwd: string, args: string[]): string {
  return execFileSync(process.execPath, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("the published blueprint package", function () {
  // The build compiles the components against the full AWS and Kubernetes typings.
  this.timeout(10 * 60_000);
  let dir: string;
  let consumer: string;
  let packed: Packed;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "modproxy-package-"));
    console.log("    building and packing packages/blueprint ...");
    const out = execFileSync("npm", ["pack", "--json", "--offline", "--pack-destination", dir], {
      cwd: PACKAGE_DIR,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    [packed] = JSON.parse(out) as Packed[];

    consumer = path.join(dir, "platform");
    const installed = path.join(consumer, "node_modules", ...NAME.split("/"));
    fs.mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["-xzf", path.join(dir, packed.filename), "-C", installed, "--strip-components=1"]);
    // What npm would install for it: the dependencies and peers it declares, and the example's own.
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8"));
    const needed = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies), "@types/node"];
    for (const dependency of needed) {
      fs.mkdirSync(path.dirname(path.join(consumer, "node_modules", dependency)), { recursive: true });
      fs.symlinkSync(path.join(REPO, "node_modules", dependency), path.join(consumer, "node_modules", dependency));
    }
    for (const file of ["index.ts", "tsconfig.json"]) fs.copyFileSync(path.join(EXAMPLE_DIR, file), path.join(consumer, file));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("ships compiled JavaScript, type declarations and the monitoring files only: no tests, stack files, sources, source maps or proxy server", () => {
    const files = packed.files.map((f) => f.path).sort();
    assert.deepStrictEqual(
      files.filter((f) => !/^(package\.json|README\.md|dist\/.+\.(js|d\.ts))$/.test(f)),
      // The Monitoring component reads them at run time, as users may load them by hand.
      ["dist/monitoring/alerts.yaml", "dist/monitoring/dashboard.json"],
    );
    assert.deepStrictEqual(
      files.filter((f) => /^dist\/(test|infra|policies|bench|scripts|examples)\/|Pulumi\.|\.test\./.test(f)),
      [],
    );
    // Of the proxy, only its settings table and the parsers it checks values with: not the server.
    assert.deepStrictEqual(
      files.filter((f) => /^dist\/proxy-app\/src\/(app|cli|fetcher|sumdb|metrics|spool|upstream\/(chain|upstream|http-proxy))\.js$/.test(f)),
      [],
    );
    for (const source of fs.readdirSync(path.join(REPO, "components"))) {
      const compiled = `dist/components/${source.replace(/\.ts$/, "")}`;
      assert.ok(files.includes(`${compiled}.js`) && files.includes(`${compiled}.d.ts`), compiled);
    }
    console.log(`    ${files.length} files`);
  });

  it("resolves through its exports map with only the dependencies it declares, and hides its insides", () => {
    const out = node(consumer, [
      "-e",
      `const m = require("${NAME}");
       let deep;
       try { require("${NAME}/dist/components/network"); } catch (err) { deep = err.code; }
       console.log(JSON.stringify({ exports: Object.keys(m).sort(), version: require("${NAME}/package.json").version, deep,
         from: require.resolve("${NAME}"), types: require("${NAME}/package.json").exports["."].types }));`,
    ]);
    const { exports, version, deep, from, types } = JSON.parse(out);
    for (const name of ["deployModproxy", "existingNetwork", "existingCluster", "Network", "Cluster", "ProxyService", "ModuleStorage", "LoadBalancer"]) {
      assert.ok(exports.includes(name), name);
    }
    assert.strictEqual(version, JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version);
    assert.strictEqual(deep, "ERR_PACKAGE_PATH_NOT_EXPORTED");
    assert.strictEqual(fs.realpathSync(from), fs.realpathSync(path.join(consumer, "node_modules", NAME, "dist", "components", "index.js")));
    assert.ok(fs.existsSync(path.join(consumer, "node_modules", NAME, types)), types);
  });

  it("type-checks the example against the packed declarations, resolved as node16 reads exports", () => {
    node(consumer, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json", "--noEmit"]);
  });

  it("deploys the example from the package exactly as from the sources", async () => {
    const script = `
      const { synthesizeExample } = require(${JSON.stringify(path.join(REPO, "test", "support", "example-program.ts"))});
      synthesizeExample({}, process.cwd()).then((result) => {
        const loaded = Object.keys(require.cache).filter((f) => f.includes("${NAME}/dist/")).length;
        console.log(JSON.stringify({ loaded, resources: result.resources.map((r) => [r.urn, r.inputs]), outputs: result.outputs }));
      });`;
    const fromPackage = JSON.parse(node(consumer, ["--require", require.resolve("tsx/cjs"), "-e", script]));
    assert.ok(fromPackage.loaded > 10, "the package's compiled components ran");
    const fromSources = await synthesizeExample();
    assert.deepStrictEqual(fromPackage.resources, JSON.parse(JSON.stringify(fromSources.resources.map((r) => [r.urn, r.inputs]))));
    assert.deepStrictEqual(fromPackage.outputs, fromSources.outputs);
  });
});

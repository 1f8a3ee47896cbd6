import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import puppeteer, { Browser, Page } from "puppeteer-core";
import { DiskStorage } from "../../proxy-app/src/storage/disk";
import { VersionSpec, versionObjects } from "../support/stored-versions";

// The catalog page as a person sees it: a real `modproxy serve` over a
// populated disk store, behind a client token, opened in Debian's headless
// Chromium. The screenshot goes to test-output/catalog.png.

const CLI = path.resolve(__dirname, "../../proxy-app/src/cli.ts");
const SCREENSHOT = path.resolve(__dirname, "../../test-output/catalog.png");
const TOKEN = "catalog-test-token";
const INJECTION = "example.com/<script>window.injected=1</script>";

function chromiumPath(): string {
  const found = spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).stdout.trim();
  if (!found) throw new Error("chromium is missing: run `node scripts/check-tools.js` (installs it with apt-get as root)");
  return found;
}

/** Starts `modproxy serve` on the store; resolves with its URL once it serves. */
async function serve(dataDir: string, tokens: string): Promise<{ url: string; child: ChildProcess }> {
  const args = ["serve", "--port", "0", "--host", "127.0.0.1", "--storage-dir", dataDir, "--upstream", "off", "--auth-tokens-file", tokens, "--workers", "1"];
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
  while (!/export GOPROXY=(\S+)/.test(out)) {
    const [exited] = await Promise.race([once(child.stdout!, "data"), once(child, "exit").then(() => ["exit"])]);
    if (exited === "exit") throw new Error(`modproxy serve exited before serving: ${out}`);
  }
  return { url: /export GOPROXY=(\S+)/.exec(out)![1], child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill("SIGTERM");
  assert.deepEqual(await once(child, "exit"), [0, null]);
}

// Page code is written as strings: it runs in the browser, and the project's types are node's, not the DOM's.
/** The visible text of each cell of the table's rows. */
const rowTexts = (page: Page) =>
  page.evaluate(`Array.from(document.querySelectorAll("tbody tr"), (r) => Array.from(r.querySelectorAll("td"), (td) => td.innerText.trim()))`) as Promise<
    string[][]
  >;
const textOf = (page: Page, selector: string) => page.evaluate(`document.querySelector(${JSON.stringify(selector)}).innerText.trim()`) as Promise<string>;

describe("catalog page in Chromium", function () {
  this.timeout(120_000);
  let dir: string;
  let browser: Browser;
  let proxy: { url: string; child: ChildProcess } | undefined;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-catalog-ui-"));
    const storage = await new DiskStorage(path.join(dir, "data")).init();
    const specs: VersionSpec[] = [];
    for (let i = 0; i < 230; i++) {
      specs.push({
        module: `example.com/team${i % 23}/svc${String(i).padStart(3, "0")}`,
        version: `v1.${i % 7}.0`,
        zipBytes: 1000 + i * 100,
        checksum: "verified",
      });
    }
    specs.push({ module: "git.corp.example/platform/auth", version: "v2.3.1", zipBytes: 48_000, checksum: "not-looked-up" });
    specs.push({ module: "example.com/pending", version: "v0.9.0", zipBytes: 2_000, checksum: "unverified" });
    specs.push({ module: INJECTION, version: "v1.0.0", zipBytes: 10, checksum: "verified" });
    for (const spec of specs) for (const [key, body] of versionObjects(spec)) await storage.write(key, body);
    await fs.writeFile(path.join(dir, "tokens"), `${TOKEN}\n`);

    // Hits are counted by serving: ask for one version's files, and stop the proxy so it writes its stamps.
    const first = await serve(path.join(dir, "data"), path.join(dir, "tokens"));
    for (const file of ["info", "mod", "mod", "zip"]) {
      const res = await fetch(`${first.url}/example.com/team5/svc005/@v/v1.5.0.${file}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 200, await res.text());
    }
    await stop(first.child);
    proxy = await serve(path.join(dir, "data"), path.join(dir, "tokens"));
    browser = await puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: ["--no-sandbox"] });
  });

  after(async () => {
    await browser?.close();
    if (proxy) await stop(proxy.child);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("is refused without the client token, or with a wrong one", async () => {
    for (const credentials of [undefined, { username: "me", password: "not-the-token" }]) {
      const page = await browser.newPage();
      if (credentials) await page.authenticate(credentials);
      const answered = page.waitForResponse((r) => r.url().endsWith("/ui/"));
      // Chromium ends a navigation refused with a Basic challenge it has no (right) answer to as an auth error.
      await page.goto(`${proxy!.url}/ui/`).catch((err: Error) => assert.match(err.message, /ERR_INVALID_AUTH_CREDENTIALS/));
      const res = await answered;
      assert.equal(res.status(), 401);
      assert.match(res.headers()["www-authenticate"], /^Basic/);
      assert.equal(await page.$("table"), null, "no catalog shown");
      await page.close();
    }
  });

  it("shows the stored versions with sizes, hits and verification, searches and pages", async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    // HTTP Basic, as a person's browser sends it after the prompt.
    await page.authenticate({ username: "me", password: TOKEN });
    const res = await page.goto(`${proxy!.url}/ui/`);
    assert.equal(res?.status(), 200);
    assert.equal(await textOf(page, "h1"), "modproxy catalog");
    assert.match(await textOf(page, "#summary"), /^233 versions of 233 modules, \d+\.\d [kM]B$/);
    assert.equal(await textOf(page, "#range"), "1–100 of 233");
    const rows = await rowTexts(page);
    assert.equal(rows.length, 100);

    // The stored <script> path is shown as text, and nothing of it ran or became an element.
    const injected = rows.find((r) => r[0] === INJECTION);
    assert.ok(injected, `the path shows as text: ${rows.map((r) => r[0]).join(", ")}`);
    assert.equal(await page.evaluate("typeof window.injected"), "undefined");
    assert.equal(await page.evaluate(`document.querySelectorAll("script").length`), 0);

    await fs.mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    console.log(`      screenshot: ${SCREENSHOT}`);

    // The version served four times: its hits, a last-requested time and a green "verified" badge.
    await page.type('input[name="q"]', "svc005");
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    assert.match(await textOf(page, "#summary"), /^1 version of 1 module, \d\.\d kB matching “svc005”$/);
    const [served] = await rowTexts(page);
    const [module, version, files, size, , lastRequested, hits, badge] = served;
    assert.deepEqual([module, version, files, hits, badge], ["example.com/team5/svc005", "v1.5.0", "info mod zip", "4", "verified"]);
    assert.match(size, /^\d\.\d kB$/);
    assert.match(lastRequested, /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    const green = await page.evaluate(`getComputedStyle(document.querySelector(".badge")).backgroundColor`);
    assert.equal(green, "rgb(220, 255, 228)");

    // Search narrows to what matches; the other badges read as a person would understand them.
    await page.goto(`${proxy!.url}/ui/?q=team1/`);
    assert.equal((await rowTexts(page)).length, 10);
    await page.goto(`${proxy!.url}/ui/?q=corp`);
    assert.deepEqual(
      (await rowTexts(page)).map((r) => [r[0], r[7], r[5]]),
      [["git.corp.example/platform/auth", "not looked up", "never"]],
    );
    await page.goto(`${proxy!.url}/ui/?q=pending`);
    assert.equal((await rowTexts(page))[0][7], "unverified");
    await page.goto(`${proxy!.url}/ui/?q=nothing-like-this`);
    assert.match(await textOf(page, "tbody"), /No module versions match/);

    // Paging, by the links a person clicks.
    await page.goto(`${proxy!.url}/ui/`);
    const firstPage = (await rowTexts(page)).map((r) => r[0]);
    await Promise.all([page.waitForNavigation(), page.click('a[rel="next"]')]);
    assert.equal(await textOf(page, "#range"), "101–200 of 233");
    const secondPage = (await rowTexts(page)).map((r) => r[0]);
    assert.equal(secondPage.length, 100);
    assert.ok(!secondPage.some((m) => firstPage.includes(m)), "the second page shows other versions");
    await Promise.all([page.waitForNavigation(), page.click('a[rel="next"]')]);
    assert.equal(await textOf(page, "#range"), "201–233 of 233");
    assert.equal(await page.$('a[rel="next"]'), null);
    await Promise.all([page.waitForNavigation(), page.click('a[rel="prev"]')]);
    assert.deepEqual(
      (await rowTexts(page)).map((r) => r[0]),
      secondPage,
    );
    await page.close();
  });
});

// The overview in a real browser, against its own server in demo mode: the real app
// polling the built-in vendor simulator with seven demo keys (one near its limit,
// one always failing). Its own server, so the shared one's first-run setup is untouched.
import { spawn, ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { Page } from "@playwright/test";
import { test, expect } from "./fixtures";

test.describe.configure({ mode: "serial" });

const repoRoot = path.resolve(__dirname, "../..");
let server: ChildProcess | undefined;
let dataDir = "";
let base = "";

test.beforeAll(async () => {
  const binary = process.env.E2E_QUOTABOARD_BIN ?? path.join(repoRoot, "target/release/quotaboard");
  dataDir = mkdtempSync(path.join(tmpdir(), "quotaboard-e2e-demo-"));
  server = spawn(binary, ["demo", "--data-dir", dataDir, "--simulator-addr", "127.0.0.1:0"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      QUOTABOARD_LISTEN_ADDR: "127.0.0.1:0",
      QUOTABOARD_SITE_ROOT: path.join(repoRoot, "target/site"),
      QUOTABOARD_LOG: "info",
    },
    stdio: ["ignore", "inherit", "pipe"],
  });
  base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("demo did not start within 30 s")), 30_000);
    server!.once("exit", (code) => reject(new Error(`demo exited early with ${code}`)));
    readline.createInterface({ input: server!.stderr! }).on("line", (line) => {
      if (process.env.E2E_SERVER_LOG) console.error(line);
      const match = line.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
});

test.afterAll(async () => {
  if (server) {
    const exited = new Promise((resolve) => server!.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function open(page: Page, pathAndQuery: string): Promise<void> {
  await page.goto(base + pathAndQuery);
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
}

async function signIn(page: Page): Promise<void> {
  await open(page, "/login");
  await page.getByLabel("E-mail address").fill("demo@quotaboard.example");
  await page.getByLabel("Password").fill("quotaboard-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator(".user-email")).toHaveText("demo@quotaboard.example");
}

const rows = (page: Page) => page.locator("#overview-table tbody tr");
const labels = (page: Page) => page.locator("#overview-table tbody .key-label");

test("the demo keys show in the overview with status, figures and totals", async ({ page }) => {
  await signIn(page);
  await open(page, "/");
  await expect(rows(page)).toHaveCount(7);
  await expect(page.locator('#overview-table tr[data-status="error"]')).toHaveCount(1);
  await expect(page.locator('#overview-table tr[data-status="critical"]').first()).toBeVisible();
  const failing = page.locator('#overview-table tr[data-status="error"]');
  await expect(failing.locator(".last-error")).toContainText("server error");
  await expect(page.locator(".vendor-total")).toHaveCount(4);
  await expect(page.locator('#overview-table tr', { hasText: "Invoices OCR" }).locator(".data-age")).toContainText("as of");
});

test("filters and sort change the rows and the URL", async ({ page }) => {
  await signIn(page);
  await open(page, "/");
  let navigations = 0;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });

  const filters = page.locator("#overview-filters");
  await filters.getByLabel("Vendor").selectOption("ocr-space");
  await filters.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/[?&]vendor=ocr-space/);
  await expect(rows(page)).toHaveCount(2);
  await expect(page.locator("#overview-table tbody td:first-child")).toHaveText(["OCR.space", "OCR.space"]);

  await page.locator('th[data-column="label"] a').click();
  await expect(page).toHaveURL(/sort=label/);
  await expect(page).toHaveURL(/vendor=ocr-space/);
  await expect(labels(page)).toHaveText(["Invoices OCR", "Receipts OCR"]);
  await page.locator('th[data-column="label"] a').click();
  await expect(page).toHaveURL(/dir=desc/);
  await expect(labels(page)).toHaveText(["Receipts OCR", "Invoices OCR"]);

  // The URL alone reproduces the view.
  const shared = page.url();
  await open(page, "/");
  await expect(rows(page)).toHaveCount(7);
  await page.goto(shared);
  await expect(labels(page)).toHaveText(["Receipts OCR", "Invoices OCR"]);
  expect(navigations).toBeGreaterThan(0);
});

test("Poll now updates the row without a reload", async ({ page }) => {
  await signIn(page);
  await open(page, "/?sort=label");
  const row = page.locator("#overview-table tbody tr", { hasText: "Car park north" });
  const before = await row.getAttribute("data-polled-at");
  expect(before).toBeTruthy();
  // A reload would lose this.
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

  await row.getByRole("button", { name: "Poll now" }).click();
  await expect(page.locator(".poll-status")).toContainText("Last poll of key");
  await expect(page.locator(".poll-lines li", { hasText: "Car park north" })).toContainText("ok");
  await expect(row).not.toHaveAttribute("data-polled-at", before!);
  expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
});

// The overview in a real browser, against its own server in demo mode: the real app
// polling the built-in vendor simulator with seven demo keys (one near its limit,
// one always failing). Its own server, so the shared one's first-run setup is untouched.
import { Page } from "@playwright/test";
import { test, expect } from "./fixtures";
import { DEMO_EMAIL, DEMO_PASSWORD, DemoServer, startDemo } from "./demo-server";

test.describe.configure({ mode: "serial" });

let demo: DemoServer;

test.beforeAll(async () => {
  demo = await startDemo();
});

test.afterAll(async () => {
  await demo?.stop();
});

async function open(page: Page, pathAndQuery: string): Promise<void> {
  await page.goto(demo.url + pathAndQuery);
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
}

async function signIn(page: Page): Promise<void> {
  await open(page, "/login");
  await page.getByLabel("E-mail address").fill(DEMO_EMAIL);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator(".user-email")).toHaveText(DEMO_EMAIL);
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

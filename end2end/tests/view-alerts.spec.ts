// Alerts in a real browser, after team.spec.ts created the admin (files run in name
// order, one worker): a near-limit key on the simulator fires, its e-mail reaches
// the real SMTP server started by global setup, and the Alerts page shows both.
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { Page } from "@playwright/test";
import { test, expect, openHydrated, baseUrl } from "./fixtures";

test.describe.configure({ mode: "serial" });

const ADMIN = "admin@example.com";
const PASSWORD = "correct horse battery";
const SECRET = "near-limit-e2e-north-gate";

async function signIn(page: Page): Promise<void> {
  await openHydrated(page, "/login");
  await page.getByLabel("E-mail address").fill(ADMIN);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator(".user-email")).toHaveText(ADMIN);
}

function delivered(): string[] {
  const dir = path.join(process.env.E2E_MAILDIR!, "new");
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

test("a near-limit key fires an alert that is e-mailed and shown with its delivery", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page);
  await openHydrated(page, "/keys");
  const form = page.locator("#add-key-form");
  await form.getByLabel("Vendor").selectOption("platerecognizer");
  await form.getByLabel("Label").fill("North gate");
  await form.getByLabel("Secret (API key)").fill(SECRET);
  await form.getByLabel("Base URL (optional)").fill(process.env.E2E_SIMULATOR_URL!);
  await form.getByRole("button", { name: "Add key" }).click();
  await expect(page.locator("#key-table tbody tr", { hasText: "North gate" })).toBeVisible();

  // The poller looks every 2 s; the key sits at 93-99 % of its limit.
  await expect
    .poll(
      async () => {
        await openHydrated(page, "/alerts");
        return page.locator("#active-alerts tr", { hasText: "North gate" }).count();
      },
      { timeout: 60_000, intervals: [1_000] },
    )
    .toBeGreaterThan(0);
  const active = page.locator("#active-alerts tr", { hasText: "North gate" }).first();
  await expect(active.locator(".alert-badge")).toHaveText(/warning|critical/);
  await expect(active).toContainText("calls left");

  // The e-mail reached the SMTP server, and the history says so.
  await expect.poll(() => delivered().length, { timeout: 30_000 }).toBeGreaterThan(0);
  await expect
    .poll(
      async () => {
        await openHydrated(page, "/alerts");
        return page.locator("#alert-history .delivery-sent", { hasText: ADMIN }).count();
      },
      { timeout: 30_000, intervals: [1_000] },
    )
    .toBeGreaterThan(0);
  expect(await page.content()).not.toContain(SECRET);

  // The Keys page shows the alert beside the key.
  await openHydrated(page, "/keys");
  const row = page.locator("#key-table tbody tr", { hasText: "North gate" });
  await expect(row.locator(".key-alert .alert-badge")).toHaveText(/warning|critical/);

  // The overview row names the firing alert and links to the Alerts page.
  await openHydrated(page, "/");
  const overviewRow = page.locator("#overview-table tbody tr", { hasText: "North gate" });
  const alert = overviewRow.locator(".row-alerts .row-alert");
  await expect(alert).toHaveText(/^(warning: 80 % used|critical: 95 % used)$/);
  await expect(alert).toHaveAttribute("href", "/alerts");
  await expect(alert).toHaveAttribute("title", /calls left/);
  const severity = (await alert.textContent())!.split(":")[0];
  await expect(overviewRow).toHaveAttribute("data-status", severity);
});

test("the overview shows the firing alert without JavaScript too", async ({ browser, page }) => {
  await signIn(page);
  const context = await browser.newContext({
    javaScriptEnabled: false,
    storageState: await page.context().storageState(),
  });
  try {
    const plain = await context.newPage();
    await plain.goto(baseUrl() + "/?status=");
    const row = plain.locator("#overview-table tbody tr", { hasText: "North gate" });
    await expect(row.locator(".row-alert")).toHaveText(/^(warning: 80 % used|critical: 95 % used)$/);
    await row.locator(".row-alert").click();
    await expect(plain).toHaveURL(/\/alerts$/);
    await expect(plain.locator("#active-alerts tr", { hasText: "North gate" }).first()).toBeVisible();
  } finally {
    await context.close();
  }
});

test("an editor adds a rule with a refused value first", async ({ page }) => {
  await signIn(page);
  await openHydrated(page, "/alerts");
  const group = page.locator(".rule-group", { hasText: "North gate" });
  await group.getByText("Add a rule", { exact: true }).click();
  const form = group.locator("form.rule-form").last();
  await form.locator("select[name='rule[kind]']").selectOption("remaining_below");
  await form.locator("input[name='rule[warning]']").fill("many");
  await form.locator("input[name='rule[emails]']").fill("ops@example.test");
  await form.getByRole("button", { name: "Add rule" }).click();
  await expect(form.locator(".field-error[data-field='warning']")).toBeVisible();

  await form.locator("input[name='rule[warning]']").fill("5000");
  await form.getByRole("button", { name: "Add rule" }).click();
  await expect(group.locator(".rule-text", { hasText: "fewer than 5,000 left" })).toBeVisible();
});

test("a new alert appears on the overview row in place after Poll now", async ({ page, context }) => {
  await signIn(page);
  await openHydrated(page, "/");
  const row = page.locator("#overview-table tbody tr", { hasText: "North gate" });
  await expect(row.locator(".row-alert").first()).toBeVisible();
  await expect(row.locator(".row-alert", { hasText: "50 % used" })).toHaveCount(0);
  // A reload would lose this.
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

  // Meanwhile, in another tab, an editor adds a stricter rule.
  const other = await context.newPage();
  await openHydrated(other, "/alerts");
  const group = other.locator(".rule-group", { hasText: "North gate" });
  await group.getByText("Add a rule", { exact: true }).click();
  const form = group.locator("form.rule-form").last();
  await form.locator("select[name='rule[kind]']").selectOption("percent_used");
  await form.locator("input[name='rule[warning]']").fill("50");
  await form.locator("input[name='rule[emails]']").fill("ops@example.test");
  await form.getByRole("button", { name: "Add rule" }).click();
  await expect(group.locator(".rule-text", { hasText: "50 % used" })).toBeVisible();
  await other.close();

  // The rules are judged after the key's next poll; a click that meets a scheduled
  // poll running is refused ("a poll is already running"), so it may take two.
  await expect(async () => {
    await row.getByRole("button", { name: "Poll now" }).click();
    await expect(row.locator(".row-alert", { hasText: "warning: 50 % used" })).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 25_000 });
  expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
});

test("an admin sends a test e-mail from Settings and sees it delivered", async ({ page }) => {
  test.setTimeout(60_000);
  await signIn(page);
  const before = delivered().length;
  await openHydrated(page, "/settings");
  const section = page.locator("#email-settings");
  await expect(section.locator("#mail-status")).toContainText("configured SMTP server");
  await section.getByRole("button", { name: "Send test email" }).click();
  await expect(section.locator(".form-success")).toHaveText(`Test e-mail queued to ${ADMIN}.`);
  // The outbox worker hands it to the real SMTP server; the page then says "sent".
  await expect.poll(() => delivered().length, { timeout: 30_000 }).toBeGreaterThan(before);
  await expect
    .poll(
      async () => {
        await openHydrated(page, "/settings");
        return page.locator("#email-settings .delivery-sent", { hasText: ADMIN }).count();
      },
      { timeout: 30_000, intervals: [1_000] },
    )
    .toBeGreaterThan(0);
});

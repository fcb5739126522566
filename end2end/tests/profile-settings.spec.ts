// The profile page's personal API tokens (created, shown exactly once, revoked; with
// and without JavaScript) and the team time zone on /settings, in a real browser
// against a demo server of their own (the demo user is an admin).
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

const TOKEN = /^qb_[A-Za-z0-9_-]{43}$/;

async function open(page: Page, path: string): Promise<void> {
  await page.goto(demo.url + path);
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
}

/** Signs in; with JavaScript on, only once the login page has hydrated. */
async function signIn(page: Page, javaScript = true): Promise<void> {
  if (javaScript) await open(page, "/login");
  else await page.goto(demo.url + "/login");
  await page.getByLabel("E-mail address").fill(DEMO_EMAIL);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator(".user-email")).toHaveText(DEMO_EMAIL);
}

const tokenRow = (page: Page, name: string) => page.locator("#token-table tbody tr", { hasText: name });

test("with JavaScript a token is created, shown once, and revoked", async ({ page, request }) => {
  await signIn(page);
  await open(page, "/profile");

  await page.getByLabel("Name (what it is for)").fill("grafana");
  await page.getByRole("button", { name: "Create token" }).click();
  const shown = page.locator("#new-token-value");
  await expect(shown).toHaveText(TOKEN);
  const token = (await shown.textContent())!;
  await expect(tokenRow(page, "grafana")).toContainText(`${token.slice(0, 7)}…`);
  expect(page.url()).not.toContain(token);

  // It is a working token (a request of its own, without the page's session).
  const keys = await request.get(demo.url + "/api/v1/keys", { headers: { Authorization: `Bearer ${token}` } });
  expect(keys.status()).toBe(200);

  // Shown once: the page opened again lists it but no longer has its value.
  await open(page, "/profile");
  await expect(tokenRow(page, "grafana")).toBeVisible();
  await expect(page.locator("#new-token-value")).toHaveCount(0);
  expect(await page.content()).not.toContain(token);

  await tokenRow(page, "grafana").getByRole("button", { name: "Revoke" }).click();
  await expect(tokenRow(page, "grafana")).toContainText("revoked");
  const refused = await request.get(demo.url + "/api/v1/keys", { headers: { Authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);
});

test("without JavaScript the new token is shown once after the post, never in the URL", async ({ browser, request }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, false);
  await page.goto(demo.url + "/profile");

  await page.getByLabel("Name (what it is for)").fill("cron job");
  const pageAfterPost = page.waitForResponse(
    (r) => r.url() === demo.url + "/profile" && r.request().method() === "GET",
  );
  await page.getByRole("button", { name: "Create token" }).click();
  const response = await pageAfterPost;
  // The page that holds the token may not be kept by the browser or a proxy.
  expect(response.headers()["cache-control"]).toBe("no-store");
  await expect(page).toHaveURL(demo.url + "/profile");
  const shown = page.locator("#new-token-value");
  await expect(shown).toHaveText(TOKEN);
  const token = (await shown.textContent())!;
  await expect(page.locator(".new-token")).toContainText("cron job");
  expect(page.url()).not.toContain(token.slice(3));

  const keys = await request.get(demo.url + "/api/v1/keys", { headers: { Authorization: `Bearer ${token}` } });
  expect(keys.status()).toBe(200);

  // A reload (or going back to the page) does not show it again.
  await page.reload();
  await expect(tokenRow(page, "cron job")).toBeVisible();
  await expect(page.locator("#new-token-value")).toHaveCount(0);
  expect(await page.content()).not.toContain(token);

  // Revoking is a plain form post too.
  await tokenRow(page, "cron job").getByRole("button", { name: "Revoke" }).click();
  await expect(tokenRow(page, "cron job")).toContainText("revoked");
  const refused = await request.get(demo.url + "/api/v1/keys", { headers: { Authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);
  await context.close();
});

test("an admin changes the team time zone and the dates follow it", async ({ page }) => {
  await signIn(page);
  await open(page, "/settings");
  const zone = page.getByLabel("Team time zone");
  await expect(zone).toHaveValue("UTC");
  await expect(page.locator("#time-zone-now")).toContainText(" UTC");

  await zone.selectOption("Asia/Kolkata");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#time-zone-now")).toContainText(" IST");

  // Kept, and applied on other pages: the token list gives its dates in IST.
  await open(page, "/settings");
  await expect(page.getByLabel("Team time zone")).toHaveValue("Asia/Kolkata");
  await open(page, "/profile");
  await expect(tokenRow(page, "grafana")).toContainText(" IST");
  await expect(tokenRow(page, "grafana")).not.toContainText(" UTC");
});

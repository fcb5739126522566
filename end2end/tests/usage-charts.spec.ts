// A key's page in a real browser: reached from the Keys page, it shows server-drawn
// SVG charts, switches range through the URL, and offers the CSV. Runs after
// team.spec.ts (file order) but also alone: it creates the admin when setup is open.
import { Page } from "@playwright/test";
import { test, expect, openHydrated } from "./fixtures";

test.describe.configure({ mode: "serial" });

const ADMIN = "admin@example.com";
const PASSWORD = "correct horse battery";

async function signInAsAdmin(page: Page): Promise<void> {
  await openHydrated(page, "/setup");
  if (await page.locator("#setup-done").isVisible()) {
    await openHydrated(page, "/login");
    await page.getByLabel("E-mail address").fill(ADMIN);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
  } else {
    await page.getByLabel("E-mail address").fill(ADMIN);
    await page.getByLabel("Password (at least 12 characters)").fill(PASSWORD);
    await page.getByRole("button", { name: "Create admin" }).click();
  }
  await expect(page.locator(".user-email")).toHaveText(ADMIN);
}

test("the key page shows SVG charts and keeps the range in the URL", async ({ page }) => {
  await signInAsAdmin(page);
  await openHydrated(page, "/keys");
  const form = page.locator("#add-key-form");
  await form.getByLabel("Vendor").selectOption("platerecognizer-sdk");
  await form.getByLabel("Label").fill("Gate camera");
  await form.getByRole("button", { name: "Add key" }).click();
  const link = page.locator("#key-table").getByRole("link", { name: "Gate camera" });
  await expect(link).toBeVisible();
  await link.click();

  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Gate camera");
  const usage = page.locator('img[src*="chart.svg?kind=usage"]');
  await expect(usage).toBeVisible();
  // The browser fetched and decoded the SVG.
  await expect
    .poll(() => usage.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBeGreaterThan(0);
  const src = await usage.getAttribute("src");
  const response = await page.request.get(new URL(src!, page.url()).toString());
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toBe("image/svg+xml");
  const svg = await response.text();
  expect(svg).toContain("<title");
  expect(svg).toContain("Gate camera");

  // The charts follow the theme toggle in place: each is drawn for one theme.
  const theme = (await page.locator(".app").getAttribute("data-theme"))!;
  const other = theme === "dark" ? "light" : "dark";
  await page.getByRole("button", { name: other === "dark" ? "Dark theme" : "Light theme" }).click();
  await expect(page.locator(".app")).toHaveAttribute("data-theme", other);
  await expect(usage).toHaveAttribute("src", new RegExp(`theme=${other}`));
  await expect
    .poll(() => usage.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBeGreaterThan(0);

  await page.getByRole("link", { name: "90d" }).click();
  await expect(page).toHaveURL(/range=90d/);
  await expect(page.locator('img[src*="kind=remaining&range=90d"]')).toBeVisible();
  await expect(page.getByRole("link", { name: "Download this range as CSV" })).toHaveAttribute(
    "href",
    /usage\.csv\?range=90d/,
  );
});

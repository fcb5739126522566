import { test, expect, baseUrl, openHydrated } from "./fixtures";

test("the page is rendered on the server, before any script runs", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  // Before the first admin exists every page leads to setup, the one page open to all.
  const response = await page.goto(baseUrl() + "/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveURL(/\/setup/);
  await expect(page).toHaveTitle("Setup · Quotaboard");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Setup");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link")).toHaveText([
    "Dashboard",
    "Keys",
    "Alerts",
    "Team",
  ]);
  // Without JavaScript nothing hydrates.
  await expect(page.locator(".app")).not.toHaveAttribute("data-hydrated", "true");
  await context.close();
});

test("the page hydrates and the theme toggle changes it without a reload", async ({ page, context }) => {
  await context.clearCookies();
  await openHydrated(page, "/");
  const app = page.locator(".app");
  await expect(app).toHaveAttribute("data-theme", "light");

  let navigations = 0;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });
  await page.getByRole("button", { name: "Dark theme" }).click();
  await expect(app).toHaveAttribute("data-theme", "dark");
  await expect(page.getByRole("button", { name: "Light theme" })).toBeVisible();
  expect(navigations).toBe(0);

  // The choice persists: a fresh load renders dark from the server.
  await page.reload();
  await expect(app).toHaveAttribute("data-theme", "dark");
  await expect(app).toHaveAttribute("data-hydrated", "true");
});

test("the theme toggle works without JavaScript too", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(baseUrl() + "/setup");
  await page.getByRole("button", { name: "Dark theme" }).click();
  await expect(page).toHaveURL(/\/setup/);
  await expect(page.locator(".app")).toHaveAttribute("data-theme", "dark");
  await context.close();
});

test("an unknown address shows the 404 page", async ({ page }) => {
  const response = await page.goto(baseUrl() + "/nowhere");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("/healthz answers with the database status", async ({ request }) => {
  const response = await request.get(baseUrl() + "/healthz");
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body.status).toBe("ok");
  expect(body.database.ok).toBe(true);
});

test("the wasm bundle is sent compressed to browsers that accept brotli", async ({ request }) => {
  const response = await request.get(baseUrl() + "/pkg/quotaboard.wasm", {
    headers: { "Accept-Encoding": "br" },
  });
  expect(response.status()).toBe(200);
  expect(response.headers()["content-encoding"]).toBe("br");
  // Whatever the wire carried, what arrives is the wasm itself.
  const body = await response.body();
  expect([...body.subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]);
});

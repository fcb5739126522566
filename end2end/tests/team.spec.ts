// Setup, login, keys and team in a real browser. One server for the whole run, so
// these run in order: the first test creates the admin the others sign in as.
import { Page } from "@playwright/test";
import { test, expect, baseUrl, openHydrated } from "./fixtures";

test.describe.configure({ mode: "serial" });

const ADMIN = "admin@example.com";
const VIEWER = "viewer@example.com";
const PASSWORD = "correct horse battery";
const MARKER = "MARKER-e2e-secret-0123456789wxyz";

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await openHydrated(page, "/login");
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator(".user-email")).toHaveText(email);
}

test("first-run setup creates the admin and signs them in", async ({ page }) => {
  await openHydrated(page, "/setup");
  await page.getByLabel("E-mail address").fill(ADMIN);
  await page.getByLabel("Password (at least 12 characters)").fill(PASSWORD);
  await page.getByRole("button", { name: "Create admin" }).click();
  await expect(page).toHaveURL(/\/keys$/);
  await expect(page.locator(".user-email")).toHaveText(ADMIN);
  await expect(page.locator(".role-badge")).toHaveText("admin");

  // Setup works once.
  await openHydrated(page, "/setup");
  await expect(page.locator("#setup-done")).toBeVisible();
});

test("an admin adds a key and sees it only masked", async ({ page }) => {
  await signIn(page, ADMIN, PASSWORD);
  await openHydrated(page, "/keys");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Keys" })).toHaveAttribute(
    "aria-current",
    "page",
  );

  const form = page.locator("#add-key-form");
  await form.getByLabel("Vendor").selectOption("ocr-space");
  await form.getByLabel("Label").fill("Main OCR");
  await form.getByLabel("Secret (API key)").fill(MARKER);
  await form.getByLabel("Monthly limit").fill("25000");
  await form.getByLabel("Owner tag (optional)").fill("team-ocr");
  await form.getByRole("button", { name: "Add key" }).click();

  const row = page.locator("#key-table tbody tr", { hasText: "Main OCR" });
  await expect(row).toBeVisible();
  await expect(row.locator(".masked-secret")).toHaveText("••••wxyz");
  expect(await page.content()).not.toContain(MARKER);

  // A bad value is refused beside its field; what was typed stays.
  await form.getByLabel("Label").fill("Second");
  await form.getByLabel("Monthly limit").fill("zero");
  await form.getByRole("button", { name: "Add key" }).click();
  await expect(form.locator('.field-error[data-field="monthly_limit"]')).toBeVisible();
  await expect(form.getByLabel("Label")).toHaveValue("Second");
  await expect(page.locator("#key-table tbody tr")).toHaveCount(1);

  // Disable, then enable again.
  await row.getByRole("button", { name: "Disable" }).click();
  await expect(row.locator(".status")).toHaveText("disabled");
  await row.getByRole("button", { name: "Enable" }).click();
  await expect(row.locator(".status")).toHaveText("enabled");
});

test("verify now asks the vendor and says what it answered, in plain words", async ({ page }) => {
  await signIn(page, ADMIN, PASSWORD);
  await openHydrated(page, "/keys");
  const form = page.locator("#add-key-form");
  const add = async (label: string, secret: string) => {
    await form.getByLabel("Vendor").selectOption("structocr");
    await form.getByLabel("Label").fill(label);
    await form.getByLabel("Secret (API key)").fill(secret);
    await form.getByLabel("Base URL (optional)").fill(process.env.E2E_SIMULATOR_URL!);
    await form.getByRole("button", { name: "Add key" }).click();
    await expect(page.locator("#key-table tbody tr", { hasText: label })).toBeVisible();
  };
  await add("Checked StructOCR", "verify-e2e-good-0001");
  await add("Refused StructOCR", "invalid-e2e-key-0002");

  const good = page.locator("#key-table tbody tr", { hasText: "Checked StructOCR" });
  await good.getByRole("button", { name: "Verify now" }).click();
  await expect(good.locator(".verify-result")).toContainText("Verified");
  await expect(good.locator(".verify-result")).toContainText("the vendor answered");
  await expect(good.locator(".key-polling")).toContainText("Last poll");
  await expect(good.locator(".key-polling")).toContainText("Next: 20");

  const refused = page.locator("#key-table tbody tr", { hasText: "Refused StructOCR" });
  await refused.getByRole("button", { name: "Verify now" }).click();
  await expect(refused.locator(".verify-result")).toContainText("failed");
  await expect(refused.locator(".verify-result")).toContainText("rejected the key");
  expect(await page.content()).not.toContain("invalid-e2e-key-0002");

  // Nothing more to poll for these two in the other tests.
  for (const row of [good, refused]) {
    await row.getByRole("button", { name: "Disable" }).click();
    await expect(row.locator(".status")).toHaveText("disabled");
  }
});

test("the add-key form works without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(baseUrl() + "/login");
  await page.getByLabel("E-mail address").fill(ADMIN);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator(".user-email")).toHaveText(ADMIN);

  await page.goto(baseUrl() + "/keys");
  const form = page.locator("#add-key-form");
  // A refused value first: the message shows and the label is kept.
  await form.getByLabel("Vendor").selectOption("structocr");
  await form.getByLabel("Label").fill("No-JS key");
  await form.getByLabel("Secret (API key)").fill("nojs-secret-abcd1234");
  await form.getByLabel("Monthly limit").fill("-3");
  await form.getByRole("button", { name: "Add key" }).click();
  await expect(page.locator('.field-error[data-field="monthly_limit"]')).toBeVisible();
  await expect(page.locator("#add-key-form").getByLabel("Label")).toHaveValue("No-JS key");

  const again = page.locator("#add-key-form");
  await again.getByLabel("Secret (API key)").fill("nojs-secret-abcd1234");
  await again.getByLabel("Monthly limit").fill("");
  await again.getByRole("button", { name: "Add key" }).click();
  const row = page.locator("#key-table tbody tr", { hasText: "No-JS key" });
  await expect(row.locator(".masked-secret")).toHaveText("••••1234");

  // Delete asks first, then removes.
  await row.getByRole("link", { name: "Delete" }).click();
  await expect(page.getByText("removes the key and its usage history")).toBeVisible();
  await page.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page).toHaveURL(/\/keys$/);
  await expect(page.locator("#key-table tbody tr", { hasText: "No-JS key" })).toHaveCount(0);
  await context.close();
});

test("a viewer sees the keys but no edit controls", async ({ browser }) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, ADMIN, PASSWORD);
  await openHydrated(admin, "/team");
  const form = admin.locator("#add-user-form");
  await form.getByLabel("E-mail address").fill(VIEWER);
  await form.getByLabel("Role").selectOption("viewer");
  await form.getByLabel("Initial password (at least 12 characters)").fill(PASSWORD);
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(admin.locator("#user-table tbody tr", { hasText: VIEWER })).toBeVisible();
  await adminContext.close();

  const viewerContext = await browser.newContext();
  const page = await viewerContext.newPage();
  await signIn(page, VIEWER, PASSWORD);
  await openHydrated(page, "/keys");
  await expect(page.locator("#key-table tbody tr", { hasText: "Main OCR" })).toBeVisible();
  await expect(page.locator("#add-key-form")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Disable|Enable/ })).toHaveCount(0);
  await expect(page.getByRole("link", { name: /Delete|Edit/ })).toHaveCount(0);

  await openHydrated(page, "/team");
  await expect(page.getByText("Admins only")).toBeVisible();
  await viewerContext.close();
});

test("disable and enable work without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(baseUrl() + "/login");
  await page.getByLabel("E-mail address").fill(ADMIN);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator(".user-email")).toHaveText(ADMIN);

  await page.goto(baseUrl() + "/keys");
  const row = page.locator("#key-table tbody tr", { hasText: "Main OCR" });
  await row.getByRole("button", { name: "Disable" }).click();
  await expect(page).toHaveURL(/\/keys/);
  await expect(row.locator(".status")).toHaveText("disabled");
  await row.getByRole("button", { name: "Enable" }).click();
  await expect(row.locator(".status")).toHaveText("enabled");
  await context.close();
});

test("an admin changes a user's role and disables them, which stops their sign-in", async ({ browser }) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, ADMIN, PASSWORD);
  await openHydrated(admin, "/team");
  const row = admin.locator("#user-table tbody tr", { hasText: VIEWER });

  await row.getByLabel("Role").selectOption("editor");
  // The form posts and the server redirects back to /team. Wait for that page before
  // loading it afresh: a reload while it was still arriving failed ("Not attached to
  // an active page") once in CI-like runs.
  const pageAfterPost = admin.waitForResponse(
    (r) => new URL(r.url()).pathname === "/team" && r.request().method() === "GET",
  );
  await row.getByRole("button", { name: "Change role" }).click();
  await pageAfterPost;
  await openHydrated(admin, "/team");
  await expect(row.getByLabel("Role")).toHaveValue("editor");

  await row.getByRole("button", { name: "Disable" }).click();
  await expect(row.locator(".status")).toHaveText("disabled");

  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  await openHydrated(user, "/login");
  await user.getByLabel("E-mail address").fill(VIEWER);
  await user.getByLabel("Password").fill(PASSWORD);
  await user.getByRole("button", { name: "Sign in" }).click();
  await expect(user.locator(".form-alert")).toContainText("wrong e-mail address or password");
  await userContext.close();

  // Enabled again, the user signs in with the new role.
  await row.getByRole("button", { name: "Enable" }).click();
  await expect(row.locator(".status")).toHaveText("enabled");
  const againContext = await browser.newContext();
  const again = await againContext.newPage();
  await signIn(again, VIEWER, PASSWORD);
  await expect(again.locator(".role-badge")).toHaveText("editor");
  await againContext.close();
  await adminContext.close();
});

test("signing out ends the session", async ({ page }) => {
  await signIn(page, ADMIN, PASSWORD);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await page.goto(baseUrl() + "/keys");
  await expect(page).toHaveURL(/\/login$/);
});

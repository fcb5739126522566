import { test as base, expect, Page } from "@playwright/test";

export const baseUrl = (): string => {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error("E2E_BASE_URL is not set: global setup did not run");
  return url;
};

/** Opens a page and waits until the wasm has hydrated it; clicks before that are lost. */
export async function openHydrated(page: Page, path: string): Promise<void> {
  await page.goto(baseUrl() + path);
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
}

export const test = base;
export { expect };

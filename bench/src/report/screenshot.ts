import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Plot } from './plots.js';

/** Chromium flags for a headless, quiet, offline browser (nothing is downloaded). */
export const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Renders each plot's SVG to a PNG with the system's Chromium through playwright-core: no native
 * image library needed. CHROMIUM_PATH overrides the browser (default /usr/bin/chromium).
 */
export async function renderPngs(
  plots: readonly Plot[],
  outDir: string,
  executablePath: string,
): Promise<string[]> {
  const profile = await mkdtemp(join(tmpdir(), 'cellstream-bench-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: chromiumFlags,
    deviceScaleFactor: 1,
  });
  const written: string[] = [];
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    for (const plot of plots) {
      await page.setContent(`<!doctype html><html><body style="margin:0">${plot.svg}</body></html>`);
      const path = join(outDir, plot.file);
      await page.locator('svg').first().screenshot({ path });
      written.push(path);
    }
  } finally {
    await browser.close();
    await rm(profile, { recursive: true, force: true });
  }
  return written;
}

import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { requireBinary } from './binaries.js';
import { tempDir, type TempDir } from './temp-dir.js';

/** Debian's headless Chromium driven by playwright-core, with a fresh profile in a temp dir. */
export interface Chromium {
  context: BrowserContext;
  /** A page already open (more with context.newPage()). */
  page: Page;
  userDataDir: string;
  stop(): Promise<void>;
}

export interface StartChromiumOptions {
  viewport?: { width: number; height: number };
  /** Extra command-line switches. */
  args?: string[];
}

/**
 * Launches Chromium (fails loudly when it is not installed: `apt-get install chromium`).
 * Timers are not throttled (tests measure emission timing in the page).
 */
export async function startChromium(opts: StartChromiumOptions = {}): Promise<Chromium> {
  const executablePath = requireBinary('chromium');
  const dir: TempDir = await tempDir('kpp-chromium-');
  try {
    const context = await chromium.launchPersistentContext(dir.path, {
      executablePath,
      headless: true,
      viewport: opts.viewport ?? { width: 1280, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-background-timer-throttling',
        '--disable-renderer-backgrounding',
        '--disable-backgrounding-occluded-windows',
        ...(opts.args ?? []),
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return {
      context,
      page,
      userDataDir: dir.path,
      async stop() {
        await context.close().catch(() => undefined);
        await dir.remove();
      },
    };
  } catch (err) {
    await dir.remove();
    throw err;
  }
}

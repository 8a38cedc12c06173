/**
 * The end-to-end harness: builds the site under a sub-path, and drives Debian's Chromium through playwright-core
 * (never a downloaded browser). A missing Chromium or missing bundled models fail loudly instead of skipping.
 */
import { existsSync, rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';

/** The repository root. */
export const REPO = resolve(import.meta.dirname, '../..');
/** Where the e2e run leaves screenshots, downloads and its built site (git-ignored). */
export const RESULTS = join(REPO, 'test-results', 'e2e');
/** Debian's Chromium (or CHROMIUM_PATH). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The bundled pair the page loads by default. */
export const MODEL_NAMES = ['specdec-draft', 'specdec-target'] as const;

/**
 * Folder holding the model folders to publish with the site: `models/` of the repository, or the folder named by
 * SPECDEC_E2E_MODELS (to try the page with other models of the same names).
 */
export function modelsRoot(): string {
  const root = process.env.SPECDEC_E2E_MODELS ?? join(REPO, 'models');
  for (const name of MODEL_NAMES) {
    if (!existsSync(join(root, name, 'config.json'))) {
      throw new Error(
        `the bundled model ${join(root, name)} is missing (no config.json): the end-to-end tests run the page on the ` +
          `bundled pair; build it first (models/train/README.md) or point SPECDEC_E2E_MODELS at a folder with ${MODEL_NAMES.join(' and ')}`,
      );
    }
  }
  return root;
}

/**
 * Builds the site with `base` into a fresh folder and returns it (the bundled models copied into `models/`).
 * @param outDir where (default `test-results/e2e/site`); test files that run at the same time need their own
 */
export async function buildSite(base: string, outDir = join(RESULTS, 'site')): Promise<string> {
  const root = modelsRoot();
  await mkdir(RESULTS, { recursive: true });
  await build({
    root: REPO,
    configFile: join(REPO, 'vite.config.ts'),
    base,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  if (root !== join(REPO, 'models')) {
    for (const name of MODEL_NAMES) await cp(join(root, name), join(outDir, 'models', name), { recursive: true });
  }
  const copied = await readdir(join(outDir, 'models')).catch(() => [] as string[]);
  for (const name of MODEL_NAMES) {
    if (!copied.includes(name)) throw new Error(`the build did not publish models/${name} (vite.config.ts plugin)`);
  }
  return outDir;
}

/** Chromium flags that give headless Chromium a WebGPU adapter on the CPU (SwiftShader's Vulkan). */
export const SWIFTSHADER_WEBGPU = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

/** Options of {@link launchChromium} beyond its flags. */
export interface LaunchOptions {
  /** `block` makes `navigator.serviceWorker.register` do nothing (playwright's policy); default `allow`. */
  serviceWorkers?: 'allow' | 'block';
}

/** Launches headless Chromium with a fresh profile (and extra flags); `closeChromium` closes it and deletes the profile. */
export async function launchChromium(
  extraArgs: readonly string[] = [],
  options: LaunchOptions = {},
): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the end-to-end tests need Debian's chromium (apt-get install chromium; ` +
        '.ci/run installs it) or CHROMIUM_PATH pointing at a Chromium binary',
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'specdec-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1400, height: 1000 },
    serviceWorkers: options.serviceWorkers ?? 'allow',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
  profiles.set(context, profile);
  return context;
}

/** The profile folder of each context `launchChromium` opened. */
const profiles = new WeakMap<BrowserContext, string>();

/** Closes a context from `launchChromium` and deletes its profile (once Chromium has exited: it rewrites it then). */
export async function closeChromium(context: BrowserContext | undefined): Promise<void> {
  if (!context) return;
  await context.close();
  const profile = profiles.get(context);
  if (profile) rmSync(profile, { recursive: true, force: true });
}

/**
 * Opens the site at `url#hash` in a new tab, collecting the page's uncaught errors into `errors` (a test fails on
 * any), and waits until the Run button is there.
 */
export async function openPlayground(
  context: BrowserContext,
  url: string,
  hash: string,
  errors: string[],
): Promise<Page> {
  const p = await context.newPage();
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(`${url}#${hash}`);
  await p.getByTestId('run').waitFor();
  return p;
}

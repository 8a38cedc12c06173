/**
 * The GitHub Pages workflow (.github/workflows/pages.yml), read with a YAML parser: it builds on a push to main with
 * Node 20, installs with `npm ci`, builds with `npm run build`, uploads dist/ as the Pages artifact and deploys it
 * with the permissions deploy-pages needs. GitHub only runs it remotely, so this is the check that it says so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const WORKFLOW = join(import.meta.dirname, '..', '..', '.github', 'workflows', 'pages.yml');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  environment?: { name?: string };
  steps: Step[];
}
interface Workflow {
  on: { push?: { branches?: string[] } };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as Workflow;
const jobs = Object.entries(workflow.jobs);
const steps = jobs.flatMap(([name, job]) => job.steps.map((step) => ({ job: name, ...step })));
/** The steps that use an action (`owner/name@ref`), by action name. */
const action = (name: string) => steps.filter((s) => s.uses?.split('@')[0] === name);
/** A job's permissions: its own block, else the workflow's. */
const permissionsOf = (job: string) => workflow.jobs[job].permissions ?? workflow.permissions ?? {};

describe('the GitHub Pages workflow', () => {
  it('runs on a push to main', () => {
    expect(workflow.on.push?.branches).toEqual(['main']);
  });

  it('builds with Node 20 from actions/setup-node, after a checkout, with npm ci then npm run build', () => {
    const [setup] = action('actions/setup-node');
    expect(setup, 'an actions/setup-node step').toBeDefined();
    expect(String(setup.with?.['node-version'])).toMatch(/^20(\.|$)/);
    const build = workflow.jobs[setup.job].steps;
    const at = (test: (s: Step) => boolean) => build.findIndex(test);
    const checkout = at((s) => s.uses?.startsWith('actions/checkout@') ?? false);
    const node = at((s) => s.uses?.startsWith('actions/setup-node@') ?? false);
    const ci = at((s) => s.run?.trim() === 'npm ci');
    const make = at((s) => s.run?.trim() === 'npm run build');
    const upload = at((s) => s.uses?.startsWith('actions/upload-pages-artifact@') ?? false);
    expect(
      [checkout, node, ci, make, upload].every((i) => i >= 0),
      'every build step is there',
    ).toBe(true);
    expect(checkout < node && node < ci && ci < make && make < upload, 'in this order').toBe(true);
  });

  it('uploads dist/ with actions/upload-pages-artifact', () => {
    const [upload] = action('actions/upload-pages-artifact');
    expect(String(upload.with?.path).replace(/^\.\/|\/$/g, '')).toBe('dist');
  });

  it('deploys with actions/deploy-pages after the build, allowed to write Pages and mint an id token', () => {
    const [deploy] = action('actions/deploy-pages');
    expect(deploy, 'an actions/deploy-pages step').toBeDefined();
    const job = workflow.jobs[deploy.job];
    const [upload] = action('actions/upload-pages-artifact');
    if (deploy.job !== upload.job) expect([job.needs].flat()).toContain(upload.job);
    expect(job.environment?.name).toBe('github-pages');
    expect(permissionsOf(deploy.job)).toMatchObject({ pages: 'write', 'id-token': 'write' });
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { NestFastifyApplication } from '@nestjs/platform-fastify';

import { freePort } from '../support/private-valkey';
import { startTestApp, uniqueRoom, valkeyUrl } from '../support/test-app';

const CLI = join(__dirname, '../../dist/import/cli/import.cli.js');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI (`npm test`'s pretest build makes it), as `npm run import` runs it. */
function runCli(args: string[], importUrl: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, IMPORT_URL: importUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run import', () => {
  let app: NestFastifyApplication;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    app = await startTestApp({ VALKEY_URL: valkeyUrl(6), TRIGGERS_ENABLED: 'false' });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    dir = mkdtempSync(join(tmpdir(), 'valkey-chat-cli-'));
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports files in order and names refused lines by file and line', async () => {
    const room = uniqueRoom('cli');
    const line = (text: string, ts: string) => JSON.stringify({ room, user: 'u', text, ts });
    writeFileSync(
      join(dir, 'a.jsonl'),
      [line('one', '2019-01-01T00:00:00Z'), '{oops', line('two', '2019-01-01T00:00:01Z')].join(
        '\n',
      ),
    );
    writeFileSync(join(dir, 'b.jsonl'), `${line('back in time', '2018-01-01T00:00:00Z')}\n`);

    const run = await runCli([join(dir, 'a.jsonl'), join(dir, 'b.jsonl')], url);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('lines read 4: imported 2, refused 2');
    expect(run.stdout).toContain(`  ${room}: 2`);
    expect(run.stdout).toContain('a.jsonl:2: not valid JSON');
    expect(run.stdout).toMatch(/b\.jsonl:1: ts 2018-01-01T00:00:00Z is before the newest/);
  });

  it('exits 1 and says so when the service does not answer', async () => {
    writeFileSync(join(dir, 'c.jsonl'), '{}\n');
    const run = await runCli([join(dir, 'c.jsonl')], `http://127.0.0.1:${await freePort()}`);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/import stopped: c\.jsonl from line 1: no answer from/);
  });

  it('exits 2 with the usage when no file is given', async () => {
    const run = await runCli([], url);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^usage: npm run import/);
  });
});

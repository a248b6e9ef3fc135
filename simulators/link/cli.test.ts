import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseLinkArgs } from './args.js';
import { linkCommand } from './cli.js';
import { LinkErrorCode } from './errors.js';
import { connect, startTarget, until } from './test-support.js';

describe('telemed sim link arguments', () => {
  it('parses profile, listen, target and seed', () => {
    expect(parseLinkArgs(['--profile', 'urban-5g', '--listen', '127.0.0.1:9000', '--target=127.0.0.1:8080', '--seed', '5'])).toMatchObject({
      profile: 'urban-5g',
      listenHost: '127.0.0.1',
      listenPort: 9000,
      targetHost: '127.0.0.1',
      targetPort: 8080,
      seed: 5,
    });
  });

  it('refuses a non-loopback listen address unless --allow-remote', () => {
    const argv = ['--profile', 'lan', '--listen', '0.0.0.0:9000', '--target', '127.0.0.1:1'];
    expect(() => parseLinkArgs(argv)).toThrow(expect.objectContaining({ code: LinkErrorCode.REMOTE_REFUSED }));
    expect(parseLinkArgs([...argv, '--allow-remote']).listenHost).toBe('0.0.0.0');
    expect(parseLinkArgs(['--profile', 'lan', '--listen', '[::1]:0', '--target', '127.0.0.1:1']).listenHost).toBe('::1');
  });

  it('rejects missing or malformed arguments with TM_ERR_LINK_BAD_ARGS', () => {
    for (const argv of [['--target', '127.0.0.1:1'], ['--profile', 'lan', '--target', 'nohost'], ['--profile', 'lan', '--target', '127.0.0.1:1', '--seed', 'x'], ['--bogus']]) {
      expect(() => parseLinkArgs(argv)).toThrow(expect.objectContaining({ code: LinkErrorCode.BAD_ARGS }));
    }
  });
});

describe('trace, drop-tail and greedy arguments', () => {
  it('parses --trace (profile defaults to saturated-cell), --drop-tail and repeated --greedy', () => {
    expect(parseLinkArgs(['--trace', 'cellular-traces/ATT-LTE-driving.up', '--target', '127.0.0.1:1', '--drop-tail', '--greedy', 'up', '--greedy=down'])).toMatchObject({
      profile: 'saturated-cell', trace: 'cellular-traces/ATT-LTE-driving.up', dropTail: true, greedy: ['up', 'down'],
    });
    expect(() => parseLinkArgs(['--profile', 'lan', '--target', '127.0.0.1:1', '--greedy', 'sideways'])).toThrow(expect.objectContaining({ code: LinkErrorCode.BAD_ARGS }));
  });

  it('a missing trace file fails with TM_ERR_LINK_TRACE_INVALID naming the file', async () => {
    const ac = new AbortController();
    await expect(linkCommand(['--trace', '/nonexistent/x.up', '--target', '127.0.0.1:1'], { stdout: new PassThrough(), signal: ac.signal })).rejects.toMatchObject({
      code: LinkErrorCode.TRACE_INVALID, message: expect.stringContaining('/nonexistent/x.up'),
    });
  });

  it('--trace FILE --greedy up: the greedy flow crosses the traced uplink, the target never sees it', async () => {
    let targetBytes = 0;
    const target = await startTarget((s) => s.on('data', (c: Buffer) => (targetBytes += c.length)));
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const ac = new AbortController();
    const run = linkCommand(['--trace', 'cellular-traces/5gmemu-walking-5g-away-run3.up.mahimahi', '--target', `127.0.0.1:${target.port}`, '--greedy', 'up', '--json'], { stdout: out, signal: ac.signal, intervalMs: 100 });
    await until(() => /"bytesOut":[1-9]/.test(text), 5000, 'a stats line with greedy bytes delivered');
    ac.abort();
    await run;
    await target.close();
    expect(text).toContain('saturated-cell+trace:5gmemu-walking-5g-away-run3.up.mahimahi');
    expect(text).toContain('greedy up flow started');
    expect(targetBytes).toBe(0);
  });
});

describe('linkCommand', () => {
  it('--help and --list print and return', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    await linkCommand(['--help'], { stdout: out });
    await linkCommand(['--list'], { stdout: out });
    expect(text).toContain('usage: telemed sim link');
    expect(text).toContain('saturated-cell');
  });

  it('runs, forwards, prints stats lines and stops cleanly on abort', async () => {
    let got = '';
    const target = await startTarget((s) => s.on('data', (c: Buffer) => (got += c.toString())));
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const ac = new AbortController();
    const run = linkCommand(['--profile', 'lan', '--target', `127.0.0.1:${target.port}`, '--json'], { stdout: out, signal: ac.signal, intervalMs: 20 });
    await until(() => /listening on 127\.0\.0\.1:\d+/.test(text), 2000, 'listening line');
    const port = Number(/127\.0\.0\.1:(\d+) ->/.exec(text)?.[1]);
    const c = await connect(port);
    c.write('hello');
    await until(() => got === 'hello', 2000, 'forwarded bytes');
    await until(() => text.includes('"bytesOut":5'), 2000, 'a stats line with the bytes');
    ac.abort();
    await run;
    c.destroy();
    await target.close();
    expect(text.trim().split('\n').at(-1)).toBe('link closed');
  });
});

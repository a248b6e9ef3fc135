import { describe, expect, it } from 'vitest';
import { isTelemedError } from '../protocols/index.js';
import { loadGatewayConfig } from './config.js';
import { ConfigError } from './errors.js';

const minimal = { gatewayId: 'clinic-1', hub: { credential: 'c' } };

describe('loadGatewayConfig', () => {
  it('fills every default, class budgets from CLASS_DEFAULTS, and freezes deeply', () => {
    const cfg = loadGatewayConfig(minimal);
    expect(cfg.hub.url).toBe('ws://127.0.0.1:8080/uplink');
    expect(cfg.host).toBe('127.0.0.1');
    expect(cfg.port).toBe(8090);
    expect(cfg.reconnect).toEqual({ initialMs: 250, maxMs: 10_000, jitter: 0.5 });
    expect(Object.fromEntries(Object.entries(cfg.classes).map(([k, v]) => [k, v.budgetMs]))).toEqual({
      control: 50, alarm: 500, vitals: 1000, waveform: 500, video: 150, bulk: 120_000,
    });
    expect(cfg.dashboardsDir).toBeNull();
    expect(Object.isFrozen(cfg.classes.control)).toBe(true);
    expect(() => { (cfg.reconnect as { maxMs: number }).maxMs = 1; }).toThrow(TypeError);
  });

  it('keeps overrides and does not mutate its input', () => {
    const raw = { ...minimal, classes: { video: { budgetMs: 100 } }, devices: [{ kind: 'load', id: 'load-1', durableHz: 5 }] };
    const cfg = loadGatewayConfig(raw);
    expect(cfg.classes.video.budgetMs).toBe(100);
    expect(cfg.classes.control.budgetMs).toBe(50);
    expect(cfg.devices[0]).toEqual({ kind: 'load', id: 'load-1', durableHz: 5 });
    expect(raw.classes.video).toEqual({ budgetMs: 100 });
  });

  it('lists every problem in one TM_ERR_CONFIG error', () => {
    let caught: unknown;
    try {
      loadGatewayConfig({
        gatewayId: '', hub: { url: 'http://x' }, port: 'x', reconnect: { jitter: 3 },
        classes: { control: { budgetMs: 0 } }, devices: [{ kind: 'serial', id: 'a' }], bogus: true,
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(isTelemedError(caught) && caught.code).toBe('TM_ERR_CONFIG');
    const problems = (caught as ConfigError).problems.join('\n');
    for (const path of ['/gatewayId', '/hub/url', '/hub/credential', '/port', '/reconnect/jitter', '/classes/control/budgetMs', '/devices/0/kind', '/bogus']) {
      expect(problems).toContain(path);
    }
  });

  it('checks cross-field rules: duplicate device ids, initialMs above maxMs', () => {
    expect(() => loadGatewayConfig({ ...minimal, reconnect: { initialMs: 500, maxMs: 100 }, devices: [{ kind: 'load', id: 'a' }, { kind: 'load', id: 'a' }] }))
      .toThrow(/initialMs must not exceed maxMs[\s\S]*duplicate device id "a"/);
  });

  it('accepts cart live leads by name and refuses unknown ones', () => {
    const cart = { kind: 'ecg-cart', id: 'cart-1', path: '/dev/serial/by-id/usb-cart' };
    expect(loadGatewayConfig({ ...minimal, devices: [{ ...cart, liveLeads: ['II', 'V4R'] }] }).devices[0]?.liveLeads).toEqual(['II', 'V4R']);
    expect(() => loadGatewayConfig({ ...minimal, devices: [{ ...cart, liveLeads: ['II', 'V13'] }] })).toThrow(/liveLeads has "V13"/);
  });

  it('rejects a non-object', () => {
    expect(() => loadGatewayConfig(null)).toThrow(ConfigError);
    expect(() => loadGatewayConfig([])).toThrow(ConfigError);
  });
});

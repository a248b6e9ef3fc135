import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { DIST_DASHBOARDS } from './browser.js';

// Stand-ins for the hub and a gateway that speak docs/CONTRACTS.md exactly, so the pages can be
// tested for what the real servers cannot easily be made to do on cue (drop /live, refuse a token).

/** Shape of the hub's GatewayView, loose enough for fixtures. */
export type FakeGatewayView = Record<string, unknown> & { id: string; connected: boolean };

export interface FakeHub {
  url: string;
  /** Gateways the REST list and each new /live snapshot return. */
  gateways: Map<string, FakeGatewayView>;
  /** Sends one JSON message to every open /live socket. */
  broadcast(msg: unknown): void;
  /** Closes every /live socket abnormally and refuses new ones while `refuse` is true. */
  dropLive(refuse: boolean): void;
  liveCount(): number;
  /** Forgets every session, as a restarted hub does; open /live sockets are dropped. */
  expireSessions(): void;
  /** Tokens ended through POST /api/logout. */
  loggedOut: string[];
  close(): Promise<void>;
}

export const FAKE_GATEWAY_TOKEN = 'fake-install-token-0123456789';
export const FAKE_USER = { username: 'dr.test', password: 'correct horse', role: 'specialist' };
const TOKEN = 'fake-token-1';

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return `http://127.0.0.1:${addr.port}`;
}

/** Extra routes a test adds to a fake (e.g. the ECG API in fake-ecg.ts), registered before listen. */
export type FakeExtension = (app: FastifyInstance, ctx: { broadcast: (msg: unknown) => void; authed: (authorization: string | undefined) => boolean }) => void;

export async function startFakeHub(gateways: FakeGatewayView[], extend?: FakeExtension): Promise<FakeHub> {
  const app = Fastify({ logger: false });
  const sockets = new Set<WebSocket>();
  const state = { refuse: false, tokenValid: true };
  const fake: Omit<FakeHub, 'url'> = {
    gateways: new Map(gateways.map((g) => [g.id, g])),
    loggedOut: [],
    broadcast: (msg) => {
      for (const s of sockets) s.send(JSON.stringify(msg));
    },
    dropLive: (refuse) => {
      state.refuse = refuse;
      for (const s of sockets) s.terminate();
      sockets.clear();
    },
    liveCount: () => sockets.size,
    expireSessions: () => {
      state.tokenValid = false;
      fake.dropLive(false);
    },
    close: () => app.close(),
  };
  await app.register(fastifyWebsocket);
  await app.register(fastifyStatic, { root: `${DIST_DASHBOARDS}console` });
  const authed = (h: string | undefined): boolean => state.tokenValid && h === `Bearer ${TOKEN}`;
  app.get('/api/me', async (req, reply) => {
    if (!authed(req.headers.authorization)) return reply.code(401).send({ code: 'TM_ERR_UNAUTHENTICATED', message: 'no' });
    return { username: FAKE_USER.username, role: FAKE_USER.role };
  });
  app.post('/api/login', async (req, reply) => {
    const b = req.body as { username?: unknown; password?: unknown } | null;
    if (b?.username !== FAKE_USER.username || b.password !== FAKE_USER.password) {
      return reply.code(401).send({ code: 'TM_ERR_LOGIN_FAILED', message: 'login failed' });
    }
    state.tokenValid = true;
    return { token: TOKEN, user: { username: FAKE_USER.username, role: FAKE_USER.role } };
  });
  app.post('/api/logout', async (req, reply) => {
    fake.loggedOut.push(req.headers.authorization ?? '');
    return reply.code(204).send();
  });
  app.get('/api/gateways', async (req, reply) => {
    if (!authed(req.headers.authorization)) return reply.code(401).send({ code: 'TM_ERR_UNAUTHORIZED', message: 'no' });
    return [...fake.gateways.values()];
  });
  // Like the real hub: /live takes a single-use ticket from POST /api/live-ticket (never the token).
  const tickets = new Set<string>();
  let ticketSeq = 0;
  app.post('/api/live-ticket', async (req, reply) => {
    if (!authed(req.headers.authorization)) return reply.code(401).send({ code: 'TM_ERR_UNAUTHENTICATED', message: 'no' });
    const ticket = `fake-ticket-${++ticketSeq}`;
    tickets.add(ticket);
    return { ticket, expiresInMs: 30_000 };
  });
  // Like the real hub: a bad ticket gets a plain 401 before the upgrade (the browser sees 1006).
  const preValidation = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const ticket = (req.query as { ticket?: string }).ticket ?? '';
    const valid = tickets.delete(ticket) && state.tokenValid;
    if (state.refuse) await reply.code(503).send({ code: 'TM_ERR_FAKE_DOWN', message: 'down' });
    else if (!valid) await reply.code(401).send({ code: 'TM_ERR_TICKET_INVALID', message: 'no' });
  };
  app.get('/live', { websocket: true, preValidation }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.send(JSON.stringify({ type: 'snapshot', gateways: [...fake.gateways.values()] }));
  });
  extend?.(app, { broadcast: fake.broadcast, authed });
  const url = await listen(app);
  return { ...fake, url };
}

export interface FakeGateway {
  url: string;
  status: Record<string, unknown>;
  /** Sends the current `status` to every /live socket. */
  push(): void;
  close(): Promise<void>;
}

export async function startFakeGateway(status: Record<string, unknown>, extend?: FakeExtension): Promise<FakeGateway> {
  const app = Fastify({ logger: false });
  const sockets = new Set<WebSocket>();
  await app.register(fastifyWebsocket);
  await app.register(fastifyStatic, { root: `${DIST_DASHBOARDS}site` });
  const fake = {
    status,
    push: () => {
      for (const s of sockets) s.send(JSON.stringify({ type: 'status', status: fake.status }));
    },
    close: () => app.close(),
  };
  app.get('/api/status', (_req, reply) => reply.send(fake.status));
  // Like the real gateway (gateway/api-guard.ts): state changes need the install token the page reads from /api/token.
  app.get('/api/token', (_req, reply) => reply.send({ token: FAKE_GATEWAY_TOKEN, header: 'x-telemed-token' }));
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'POST' && req.headers['x-telemed-token'] !== FAKE_GATEWAY_TOKEN) {
      await reply.code(403).send({ code: 'TM_ERR_API_TOKEN_REQUIRED', message: 'no token' });
    }
  });
  app.get('/live', { websocket: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.send(JSON.stringify({ type: 'status', status: fake.status }));
  });
  // The gateway's local API has no login (loopback only).
  extend?.(app, { broadcast: (msg) => sockets.forEach((s) => s.send(JSON.stringify(msg))), authed: () => true });
  const url = await listen(app);
  return Object.assign(fake, { url });
}

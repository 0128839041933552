#!/usr/bin/env node
// A browser participant for interop tests: headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core) runs livekit-client the way
// Visio's web client does (page.js), joins a LiveKit room, publishes its
// fake camera (VP9) and microphone (Opus), sends one chat message and one
// reaction, and prints what it received as one JSON object on stdout.
// Progress goes to stderr, one JSON object a line ({"event": …}), mixed
// with the page's console output (lines starting with "page:").
//
//   node peer.mjs --url ws://127.0.0.1:7880 --token JWT [--duration 30s]
//        [--chat TEXT] [--reaction thumbs-up] [--resolution h720|h360|h180]
//        [--leave-when-alone] [--send-delay 500ms]
//        [--tile 558x312 --measure-after 8s] [--headed]
//        [--codec vp9|vp8] [--camera-file clip.y4m] [--no-dynacast]
//
// With --measure-after, the summary's "measure" holds what the browser
// cost from that time after the start to the end, as a conferencing tab
// would: CPU seconds and memory (PSS and RSS, summed over Chromium's
// processes) and the frames each remote video showed per second, laid out
// as a grid of --tile sized videos. --headed draws on $DISPLAY (Xvfb)
// instead of off screen.
//
// --codec vp8 publishes the camera as livekit-client's VP8 simulcast
// (three layers for 720p); --camera-file makes Chromium's fake camera
// play a Y4M file in a loop instead of its own pattern; --no-dynacast
// keeps every layer encoded whether anybody watches it or not. With
// them, the summary's local.video.layers holds what each layer encoded.
//
// Nothing is loaded from the network: the page and livekit-client come
// from a static server on 127.0.0.1, every other request is refused.
// Exit status: 0 after a clean leave, 1 on any failure (message on
// stderr), 2 for a wrong command line.

import { createServer } from 'node:http';
import { mkdtemp, readFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CAUSERIE_CHROMIUM || '/usr/bin/chromium';
// Visio's publish resolutions (settings → video: 720p, 360p, 180p).
const RESOLUTIONS = ['h720', 'h360', 'h180'];
// Visio publishes VP9; VP8 is its backup codec, sent as simulcast.
const CODECS = ['vp9', 'vp8'];
// Visio's reaction names (src/frontend/src/features/reactions/types.ts).
const EMOJIS = [
  'thumbs-up', 'thumbs-down', 'clapping-hands', 'red-heart',
  'face-with-tears-of-joy', 'face-with-open-mouth', 'party-popper', 'folded-hands',
];

function fail(code, message) {
  process.stderr.write(`peer: ${message}\n`);
  process.exit(code);
}

function log(event, fields = {}) {
  process.stderr.write(JSON.stringify({ event, ...fields }) + '\n');
}

// parseDuration reads Go-style durations: 15s, 500ms, 1m30s.
function parseDuration(s) {
  const re = /(\d+(?:\.\d+)?)(ms|s|m)/y;
  let total = 0;
  let m;
  re.lastIndex = 0;
  while (re.lastIndex < s.length && (m = re.exec(s))) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60000 }[m[2]];
  }
  if (!m || re.lastIndex !== s.length) throw new Error(`bad duration ${JSON.stringify(s)}`);
  return total;
}

function options() {
  let v;
  try {
    ({ values: v } = parseArgs({
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        duration: { type: 'string', default: '30s' },
        chat: { type: 'string' },
        reaction: { type: 'string' },
        resolution: { type: 'string', default: 'h720' },
        'leave-when-alone': { type: 'boolean', default: false },
        'send-delay': { type: 'string', default: '500ms' },
        'log-level': { type: 'string', default: 'warn' },
        tile: { type: 'string' },
        'measure-after': { type: 'string' },
        headed: { type: 'boolean', default: false },
        codec: { type: 'string', default: 'vp9' },
        'camera-file': { type: 'string' },
        'no-dynacast': { type: 'boolean', default: false },
      },
      strict: true,
    }));
    if (!v.url || !v.token) throw new Error('--url and --token are required');
    if (!RESOLUTIONS.includes(v.resolution)) throw new Error(`--resolution takes ${RESOLUTIONS.join(', ')}`);
    if (!CODECS.includes(v.codec)) throw new Error(`--codec takes ${CODECS.join(', ')}`);
    if (v.reaction && !EMOJIS.includes(v.reaction)) throw new Error(`--reaction takes ${EMOJIS.join(', ')}`);
    let tile;
    if (v.tile) {
      const m = /^(\d+)x(\d+)$/.exec(v.tile);
      if (!m) throw new Error('--tile takes WIDTHxHEIGHT, e.g. 558x312');
      tile = [Number(m[1]), Number(m[2])];
    }
    const host = new URL(v.url).hostname;
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error('--url must be on loopback');
    return {
      url: v.url,
      token: v.token,
      durationMs: parseDuration(v.duration),
      chat: v.chat,
      reaction: v.reaction,
      resolution: v.resolution,
      leaveWhenAlone: v['leave-when-alone'],
      sendDelayMs: parseDuration(v['send-delay']),
      logLevel: v['log-level'],
      tile,
      measureAfterMs: v['measure-after'] ? parseDuration(v['measure-after']) : undefined,
      headed: v.headed,
      codec: v.codec,
      cameraFile: v['camera-file'],
      dynacast: !v['no-dynacast'],
    };
  } catch (e) {
    fail(2, e.message);
  }
}

// serve answers the page, page.js and livekit-client's UMD build, nothing
// else, on a free loopback port.
async function serve() {
  const files = {
    '/': ['text/html', '<!doctype html><meta charset="utf-8"><title>causerie peer</title>' +
      '<script src="/livekit-client.umd.js"></script><script src="/page.js"></script><body></body>'],
    '/page.js': ['text/javascript', await readFile(join(here, 'page.js'))],
    '/livekit-client.umd.js': ['text/javascript',
      await readFile(join(here, 'node_modules/livekit-client/dist/livekit-client.umd.js'))],
  };
  const server = createServer((req, res) => {
    const f = files[req.url];
    if (!f || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f[0], 'cache-control': 'no-store' }).end(f[1]);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return server;
}

// cpuSeconds adds up the user and system time of every live descendant of
// this process (Chromium's browser, GPU, network and renderer processes),
// from /proc. Linux only; 0 elsewhere.
async function cpuSeconds() {
  return (await usage()).cpuS;
}

// usage sums, over every live descendant of this process, the CPU seconds
// (user and system) and the memory: RSS, and PSS, which splits the pages
// processes share among them, so that Chromium's processes are not counted
// many times over for the same libraries.
async function usage() {
  const parent = new Map();
  const ticks = new Map();
  let names;
  try {
    names = await readdir('/proc');
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(f[1]));
      ticks.set(Number(name), Number(f[11]) + Number(f[12]));
    } catch {
      // gone in the meantime
    }
  }
  let total = 0;
  let pssKB = 0;
  let rssKB = 0;
  for (const [pid, t] of ticks) {
    for (let p = parent.get(pid); p; p = parent.get(p)) {
      if (p === process.pid) {
        total += t;
        try {
          const m = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
          pssKB += Number(/^Pss:\s+(\d+)/m.exec(m)?.[1] ?? 0);
          rssKB += Number(/^Rss:\s+(\d+)/m.exec(m)?.[1] ?? 0);
        } catch {
          // gone in the meantime
        }
        break;
      }
    }
  }
  return { cpuS: total / 100, pssMB: pssKB / 1024, rssMB: rssKB / 1024 }; // USER_HZ is 100 on Linux
}

// measure samples the browser's cost once a second from afterMs until
// done resolves: CPU over the window, peak memory, frames per video.
async function measure(page, afterMs, done) {
  const stopped = await Promise.race([sleep(afterMs).then(() => false), done.then(() => true)]);
  if (stopped) return { error: 'the call ended before the measurement began' };
  const t0 = Date.now();
  const u0 = await usage();
  const f0 = await page.evaluate(() => window.peerFrames());
  let peakPSS = u0.pssMB;
  let peakRSS = u0.rssMB;
  let u1 = u0;
  let f1 = f0;
  let t1 = t0;
  for (;;) {
    const end = await Promise.race([sleep(1000).then(() => false), done.then(() => true)]);
    if (end) break;
    u1 = await usage();
    f1 = await page.evaluate(() => window.peerFrames());
    t1 = Date.now();
    peakPSS = Math.max(peakPSS, u1.pssMB);
    peakRSS = Math.max(peakRSS, u1.rssMB);
  }
  const s = (t1 - t0) / 1000;
  return {
    seconds: s,
    cpu_percent: s > 0 ? ((u1.cpuS - u0.cpuS) / s) * 100 : 0,
    pss_mb_max: peakPSS,
    rss_mb_max: peakRSS,
    tiles: f1.map((f, i) => ({
      fps: s > 0 ? (f.frames - (f0[i]?.frames ?? 0)) / s : 0,
      width: f.width,
      height: f.height,
    })),
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const o = options();
  const t0 = Date.now();
  // Everything is bounded: Chromium's start, joining, the stay, leaving.
  const limitMs = o.durationMs + 90_000;
  const watchdog = setTimeout(() => fail(1, `still running after ${limitMs / 1000} s: giving up`), limitMs);
  watchdog.unref();

  const server = await serve();
  const origin = `http://127.0.0.1:${server.address().port}`;
  const profile = await mkdtemp(join(tmpdir(), 'causerie-chromium-'));
  let context;
  const cleanup = async () => {
    await context?.close().catch(() => {});
    server.close();
    await rm(profile, { recursive: true, force: true }).catch(() => {});
  };
  try {
    // launchPersistentContext passes --user-data-dir itself: the fresh
    // profile made above.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: !o.headed,
      timeout: 60_000,
      viewport: o.tile ? { width: 1366, height: 768 } : undefined,
      args: [
        ...(o.headed ? [] : ['--headless=new']),
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        '--autoplay-policy=no-user-gesture-required',
        ...(o.cameraFile ? [`--use-file-for-fake-video-capture=${o.cameraFile}`] : []),
      ],
    });
    log('browser_started', { ms: Date.now() - t0 });

    // Only the page's own server and the SFU on loopback.
    const blocked = [];
    await context.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if (u.origin === origin) return route.continue();
      blocked.push(u.href);
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => process.stderr.write(`page: ${m.type()}: ${m.text()}\n`));
    page.on('pageerror', (e) => process.stderr.write(`page: uncaught: ${e.message}\n`));
    await page.exposeFunction('peerEvent', ({ event, ...fields }) => log(event, fields));
    await page.goto(origin + '/', { timeout: 30_000 });

    const run = page.evaluate((opts) => window.runPeer(opts), o);
    let measured;
    if (o.measureAfterMs !== undefined) {
      measured = measure(page, o.measureAfterMs, run.then(() => {}, () => {}));
    }
    const summary = await run;
    if (measured) summary.measure = await measured;
    summary.blocked_requests = blocked;
    summary.browser_cpu_s = await cpuSeconds();
    summary.wall_s = (Date.now() - t0) / 1000;
    await cleanup();
    process.stdout.write(JSON.stringify(summary) + '\n');
    clearTimeout(watchdog);
  } catch (e) {
    await cleanup();
    fail(1, `failed: ${e?.message ?? e}`);
  }
}

await main();

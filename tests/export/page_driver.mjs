// Drive the web page in headless Debian Chromium with playwright-core, as a user would.
//
//   node tests/export/page_driver.mjs single URL OUT.png LINE KEY KEY_LINE [KEY2 KEY2_LINE]
//        [--screenshot PNG] [--repeat N]
//       picks the first files with the file inputs, drops the second keyframe's files on their
//       boxes, clicks "Colour it" (N times, default 1) and saves the offered PNG download to OUT.png
//   node tests/export/page_driver.mjs shot URL OUT_DIR SHOT_URL NAME...
//       stands in for Electron's preload bridge (frames fetched from SHOT_URL, saves kept in the
//       page), colours the whole shot and writes each saved PNG to OUT_DIR
//
// Prints one JSON line: {seconds (one per run), backend, status}. Exit 1 with the page's status on failure.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// playwright-core is installed in export/node_modules (export/package.json).
const exportRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../export');
const { chromium } = createRequire(path.join(exportRoot, 'package.json'))('playwright-core');

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TIMEOUT_MS = 240_000;

async function waitForStatus(page, states) {
  await page.waitForFunction((wanted) => wanted.includes(document.querySelector('#status').dataset.state),
    states, { timeout: TIMEOUT_MS });
  const state = await page.$eval('#status', (node) => node.dataset.state);
  if (state === 'error') {
    throw new Error(`page: ${await page.textContent('#status')}`);
  }
}

/** Drop a real file on an element, as a drag from the desktop does. */
async function dropFile(page, selector, file) {
  const bytes = [...readFileSync(file)];
  const transfer = await page.evaluateHandle(([name, data]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(data)], name, { type: 'image/png' }));
    return dt;
  }, [path.basename(file), bytes]);
  await page.dispatchEvent(selector, 'dragenter', { dataTransfer: transfer });
  await page.dispatchEvent(selector, 'drop', { dataTransfer: transfer });
}

/** Click "Colour it" and wait; returns the page's own timing of the network run. */
async function colourOnce(page) {
  await page.waitForFunction(() => !document.querySelector('#run').disabled, null, { timeout: 30_000 });
  await page.click('#run');
  await waitForStatus(page, ['done', 'error']);
  return Number(await page.$eval('#result', (node) => node.dataset.seconds));
}

async function single(page, url, out, files, { screenshot, repeat }) {
  await page.goto(url);
  await waitForStatus(page, ['ready', 'error']);
  const [line, key, keyLine, key2, key2Line] = files;
  await page.setInputFiles('#slot-line input', line);
  await page.setInputFiles('#slot-key0-color input', key);
  await page.setInputFiles('#slot-key0-line input', keyLine);
  if (key2) {
    await dropFile(page, '#slot-key1-color', key2);
    await dropFile(page, '#slot-key1-line', key2Line);
  }
  const seconds = [];
  for (let run = 0; run < repeat; run += 1) {
    seconds.push(await colourOnce(page));
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  await download.saveAs(out);
  if (screenshot) {
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  return seconds;
}

/** What Electron's preload.js exposes, backed by fetch and an in-page store. */
function fakeBridge({ shotUrl, names, keyframes }) {
  window.savedFrames = {};
  window.lineartColor = {
    openShot: async () => ({ name: 'shot', frames: names, keyframes }),
    readFrame: async (kind, name) => (await fetch(`${shotUrl}${kind}/${name}.png`)).arrayBuffer(),
    chooseOutputFolder: async () => 'out',
    saveFrame: async (name, bytes) => { window.savedFrames[name] = Array.from(bytes); },
  };
}

async function shot(page, url, outDir, [shotUrl, ...names]) {
  const keyframes = [names[0], names[names.length - 1]];
  await page.addInitScript(fakeBridge, { shotUrl, names, keyframes });
  await page.goto(url);
  await waitForStatus(page, ['ready', 'error']);
  await page.click('#open-shot');
  await page.waitForFunction(() => !document.querySelector('#run-shot').disabled, null, { timeout: 30_000 });
  await page.click('#run-shot');
  await waitForStatus(page, ['done', 'error']);
  const saved = await page.evaluate(() => window.savedFrames);
  for (const [name, bytes] of Object.entries(saved)) {
    writeFileSync(path.join(outDir, `${name}.png`), Buffer.from(bytes));
  }
  return null;
}

async function main() {
  const [mode, url, out, ...rest] = process.argv.slice(2);
  const option = (name, fallback) => {
    const at = rest.indexOf(name);
    return at >= 0 ? rest.splice(at, 2)[1] : fallback;
  };
  const options = { screenshot: option('--screenshot', null), repeat: Number(option('--repeat', 1)) };
  const profile = mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, acceptDownloads: true,
  });
  try {
    const page = await context.newPage();
    const seconds = mode === 'shot' ? await shot(page, url, out, rest) : await single(page, url, out, rest, options);
    const backend = await page.evaluate(() => window.tf.getBackend());
    console.log(JSON.stringify({ seconds, backend, status: await page.textContent('#status') }));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`page_driver: ${error.message}`);
  process.exit(1);
});

// Drive the web page in headless Debian Chromium with playwright-core, as a user would.
//
//   node tests/export/page_driver.mjs single URL OUT.png LINE KEY KEY_LINE [KEY2 KEY2_LINE]
//        [--screenshot PNG] [--repeat N]
//       picks the first files with the file inputs, drops the second keyframe's files on their
//       boxes, clicks "Colour it" (N times, default 1) and saves the offered PNG download to OUT.png
//   node tests/export/page_driver.mjs zip URL OUT.zip SHOT_DIR [--pick folder|files] [--cancel-after N]
//       gives the whole-shot panel SHOT_DIR (folder: the folder picker; files: line/ through the
//       line-art picker, color/ dropped on the keyframes box), clicks "Colour every frame" and
//       saves the offered ZIP to OUT.zip; with --cancel-after N it clicks Cancel once N frames are
//       done and reports whether a ZIP was offered instead
//   node tests/export/page_driver.mjs shot URL OUT_DIR SHOT_URL NAME...
//       stands in for Electron's preload bridge (frames fetched from SHOT_URL, saves kept in the
//       page), colours the whole shot and writes each saved PNG to OUT_DIR
//
// URL may carry the page's query (?backend=webgl&threads=0). --gpu lets Chromium give WebGL
// (SwiftShader, on the CPU, on a machine without a GPU); without it the GPU is off.
// Prints one JSON line: {seconds (one per run), backend, threads, isolated, status}. Exit 1 with
// the page's status on failure.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// playwright-core is installed in export/node_modules (export/package.json).
const exportRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../export');
const { chromium } = createRequire(path.join(exportRoot, 'package.json'))('playwright-core');

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const GPU_ARGS = { off: ['--disable-gpu'], on: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] };
const TIMEOUT_MS = 240_000;

async function waitForStatus(page, states) {
  await page.waitForFunction((wanted) => wanted.includes(document.querySelector('#status').dataset.state),
    states, { timeout: TIMEOUT_MS });
  const state = await page.$eval('#status', (node) => node.dataset.state);
  if (state === 'error') {
    throw new Error(`page: ${await page.textContent('#status')}`);
  }
}

/** Drop real files on an element, as a drag from the desktop does. */
async function dropFile(page, selector, ...files) {
  const named = files.map((file) => [path.basename(file), [...readFileSync(file)]]);
  const transfer = await page.evaluateHandle((all) => {
    const dt = new DataTransfer();
    all.forEach(([name, data]) => dt.items.add(new File([new Uint8Array(data)], name, { type: 'image/png' })));
    return dt;
  }, named);
  await page.dispatchEvent(selector, 'dragenter', { dataTransfer: transfer });
  await page.dispatchEvent(selector, 'drop', { dataTransfer: transfer });
}

/** Click "Colour it" and wait; returns the page's own timing of the network run. */
async function colourOnce(page) {
  await page.waitForFunction(() => !document.querySelector('#run').disabled, null, { timeout: 30_000 });
  await page.click('#run', { timeout: TIMEOUT_MS }); // a software-GL page can stay busy a while
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

const filesIn = (folder) => readdirSync(folder).sort().map((name) => path.join(folder, name));

/** The whole-shot panel: pick or drop SHOT_DIR, colour it, save the ZIP (or cancel part-way). */
async function shotZip(page, url, out, [shotDir], { pick, cancelAfter }) {
  await page.goto(url);
  await waitForStatus(page, ['ready', 'error']);
  if (pick === 'folder') {
    await page.setInputFiles('#shot-folder input', shotDir);
  } else {
    await page.setInputFiles('#shot-lines input', filesIn(path.join(shotDir, 'line')));
    await dropFile(page, '#shot-keys', ...filesIn(path.join(shotDir, 'color')));
  }
  await page.waitForFunction(() => !document.querySelector('#run-shot').disabled, null, { timeout: 30_000 });
  if (cancelAfter !== null) { // click Cancel from inside the page the moment N frames are done
    await page.evaluate((n) => {
      const status = document.querySelector('#status');
      new MutationObserver(() => {
        if (Number((status.textContent.match(/^Coloured (\d+) of/) || [0, 0])[1]) >= n) {
          document.querySelector('#cancel-shot').click();
        }
      }).observe(status, { childList: true, characterData: true, subtree: true });
    }, Number(cancelAfter));
  }
  await page.click('#run-shot');
  if (cancelAfter !== null) {
    await waitForStatus(page, ['cancelled', 'done', 'error']);
    return { zipOffered: await page.isVisible('#download-zip') };
  }
  await waitForStatus(page, ['done', 'error']);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-zip')]);
  await download.saveAs(out);
  return { zipName: download.suggestedFilename() };
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
  await page.waitForFunction(() => !document.querySelector('#run-shot-folder').disabled, null, { timeout: 30_000 });
  await page.click('#run-shot-folder');
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
  const options = {
    screenshot: option('--screenshot', null), repeat: Number(option('--repeat', 1)),
    pick: option('--pick', 'folder'), cancelAfter: option('--cancel-after', null),
  };
  const flag = (name) => {
    const at = rest.indexOf(name);
    return at >= 0 && rest.splice(at, 1).length === 1;
  };
  const gpu = flag('--gpu') ? 'on' : 'off';
  const profile = mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, args: [...CHROMIUM_ARGS, ...GPU_ARGS[gpu]], acceptDownloads: true,
  });
  try {
    const page = await context.newPage();
    const modes = { single, shot, zip: shotZip };
    const result = await modes[mode](page, url, out, rest, options);
    const runtime = await page.evaluate(() => ({
      backend: window.tf.getBackend(),
      threads: window.tf.getBackend() === 'wasm' ? window.tf.wasm.getThreadsCount() : null,
      isolated: window.crossOriginIsolated,
    }));
    const report = mode === 'zip' ? result : { seconds: result };
    console.log(JSON.stringify({ ...report, ...runtime, status: await page.textContent('#status') }));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`page_driver: ${error.message}`);
  process.exit(1);
});

// The desktop app: the web page (../web) in a window, plus file dialogs for whole shot folders.
//
//   cd export/electron && npm install && npm start -- --model DIR
//
// DIR is a folder written by `lineart-color export`; without --model a dialog asks for it.
// The page, TF.js and the model are served from the lineart:// scheme, mapped as
// `lineart-color serve` maps them (/, /vendor/NAME/, /model/), so the page runs unchanged.

'use strict';

const { app, BrowserWindow, dialog, ipcMain, net, protocol } = require('electron');
const fs = require('node:fs/promises');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const vendor = require('../web/vendor.json');

const SCHEME = 'lineart';
const WEB_ROOT = path.join(__dirname, '..', 'web');
const IMAGE_FILE = /\.(png|jpe?g)$/i;
// Cross-origin isolation lets TF.js use its threaded WASM backend, as in the served page.
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

protocol.registerSchemesAsPrivileged([
  { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

const state = { window: null, modelDir: null, shot: null, outDir: null };

function vendorRoots() {
  return Object.entries(vendor).map(([name, entry]) => [
    `/vendor/${name}/`,
    path.join(path.dirname(require.resolve(`${entry.package}/package.json`)), entry.folder),
  ]);
}

/** URL path -> file inside one of the mapped folders, or null. */
function resolveFile(urlPath, routes) {
  const clean = path.posix.normalize(decodeURIComponent(urlPath));
  const route = routes.find(([prefix]) => clean.startsWith(prefix));
  if (!route) {
    return null;
  }
  const [prefix, root] = route;
  const file = path.resolve(root, clean.slice(prefix.length) || 'index.html');
  return file.startsWith(root + path.sep) ? file : null;
}

async function serveRequest(request, routes) {
  const file = resolveFile(new URL(request.url).pathname, routes);
  if (!file) {
    return new Response('not found', { status: 404 });
  }
  const response = await net.fetch(pathToFileURL(file).href);
  const headers = new Headers(response.headers);
  Object.entries(ISOLATION).forEach(([key, value]) => headers.set(key, value));
  if (file.endsWith('.wasm')) {
    headers.set('Content-Type', 'application/wasm');
  }
  return new Response(response.body, { status: response.status, headers });
}

/** The image files of SHOT/<kind> by frame name (file name without extension). */
async function listFrames(folder) {
  const names = (await fs.readdir(folder)).filter((file) => IMAGE_FILE.test(file) && !file.startsWith('.'));
  return new Map(names.map((file) => [path.parse(file).name, path.join(folder, file)]));
}

/** Read and check a shot folder as lineart_color does: line/ for every frame, color/ for keyframes. */
async function readShot(folder) {
  const line = await listFrames(path.join(folder, 'line')).catch(() => {
    throw new Error(`${path.join(folder, 'line')}: missing; a shot folder holds line/ and color/`);
  });
  const color = await listFrames(path.join(folder, 'color')).catch(() => new Map());
  const orphan = [...color.keys()].find((name) => !line.has(name));
  if (orphan !== undefined) {
    throw new Error(`${color.get(orphan)}: a colour frame with no line art in line/`);
  }
  if (!color.size) {
    throw new Error(`${path.join(folder, 'color')}: no painted keyframe here`);
  }
  const natural = (a, b) => a.localeCompare(b, undefined, { numeric: true });
  return { folder, files: { line, color }, frames: [...line.keys()].sort(natural), keyframes: [...color.keys()].sort(natural) };
}

async function chooseFolder(title, properties = []) {
  const { canceled, filePaths } = await dialog.showOpenDialog(state.window, { title, properties: ['openDirectory', ...properties] });
  return canceled ? null : filePaths[0];
}

function handleBridge() {
  ipcMain.handle('open-shot', async () => {
    const folder = await chooseFolder('Open a shot folder (with line/ and color/)');
    if (!folder) {
      return null;
    }
    try {
      state.shot = await readShot(folder);
    } catch (error) {
      dialog.showErrorBox('Not a shot folder', error.message);
      return null;
    }
    return { name: path.basename(folder), frames: state.shot.frames, keyframes: state.shot.keyframes };
  });
  ipcMain.handle('read-frame', async (_event, kind, name) => {
    const file = state.shot?.files[kind]?.get(name);
    if (!file) {
      throw new Error(`${kind}/${name}: not a frame of the open shot`);
    }
    return fs.readFile(file);
  });
  ipcMain.handle('choose-output', async () => {
    const folder = await chooseFolder('Folder for the coloured frames (new or empty)', ['createDirectory']);
    if (folder && (await fs.readdir(folder)).length) {
      dialog.showErrorBox('Folder not empty', `${folder}: choose a new or empty folder, so no frame is overwritten`);
      return null;
    }
    state.outDir = folder;
    return folder;
  });
  ipcMain.handle('save-frame', async (_event, name, bytes) => {
    if (!state.outDir || !state.shot?.files.line.has(name)) {
      throw new Error(`${name}: no output folder chosen, or not a frame of the open shot`);
    }
    await fs.writeFile(path.join(state.outDir, `${name}.png`), Buffer.from(bytes));
  });
}

/** --model DIR from the command line, else a dialog; checked to be an export folder. */
async function findModel() {
  const args = process.argv.slice(app.isPackaged ? 1 : 2);
  const flag = args.indexOf('--model');
  const folder = flag >= 0 ? path.resolve(args[flag + 1] ?? '') : await chooseFolder('Choose an exported model folder');
  if (!folder) {
    return null;
  }
  for (const needed of ['manifest.json', path.join('tfjs', 'model.json')]) {
    try {
      await fs.access(path.join(folder, needed));
    } catch {
      dialog.showErrorBox('Not an exported model', `${folder}: no ${needed} (expected the output of lineart-color export)`);
      return null;
    }
  }
  return folder;
}

async function start() {
  state.modelDir = await findModel();
  if (!state.modelDir) {
    app.quit();
    return;
  }
  const routes = [['/model/', state.modelDir], ...vendorRoots(), ['/', WEB_ROOT]];
  protocol.handle(SCHEME, (request) => serveRequest(request, routes));
  handleBridge();
  state.window = new BrowserWindow({
    width: 1200,
    height: 900,
    title: 'lineart-color',
    webPreferences: { preload: path.join(__dirname, 'preload.js'), contextIsolation: true, sandbox: true },
  });
  await state.window.loadURL(`${SCHEME}://app/index.html`);
}

app.whenReady().then(start);
app.on('window-all-closed', () => app.quit());

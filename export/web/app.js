// The page: file pickers and drop zones in, coloured frame and PNG download out.
// `tf` is the global from vendor/tfjs/tf.min.js. Query parameters: ?model=URL (a folder
// written by `lineart-color export`, default model/), ?backend=wasm|webgl|cpu (default wasm) and
// ?threads=N (wasm: N threads; 0 loads the single-threaded build; by default, when the page is
// cross-origin isolated as `serve` makes it, TF.js's threaded build with half the logical cores).
// The whole-shot panel colours a picked or dropped shot folder into a ZIP (fflate, the global
// from vendor/fflate/index.js); in the Electron app, window.lineartColor (preload.js) also
// lets it save into a folder.

/* global tf, fflate */

import { checkBundle, colourFrame, takesKeyframes } from './colorize.js';
import { colourShot, shotFromFiles } from './shot.js';

const params = new URLSearchParams(window.location.search);
const MODEL_URL = new URL(params.get('model') || 'model/', window.location.href);
const BACKEND = params.get('backend') || 'wasm';
const THREADS = params.get('threads');
const KEY_SLOTS = [['slot-key0-color', 'slot-key0-line'], ['slot-key1-color', 'slot-key1-line']];

const $ = (selector) => document.querySelector(selector);
const state = {
  model: null, manifest: null, frames: {}, names: {}, busy: false, cancel: null,
  shot: null, // {name, frames, keyframes, readFrame(kind, name) -> frame}, from files or from Electron
  shotFiles: { folder: [], line: [], color: [] }, // picked or dropped [{path, file}], by where they came in
};

/** Status line and progress bar; a fraction of null shows an indeterminate bar. */
function setStatus(text, stage, fraction = null) {
  const status = $('#status');
  status.textContent = text;
  status.dataset.state = stage;
  const bar = $('#progress');
  if (fraction === null) {
    bar.removeAttribute('value');
  } else {
    bar.value = fraction;
  }
}

/** A picked or dropped file -> {data, width, height}, pixels exactly as stored (no colour management). */
async function decodeImage(blob, name) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new Error(`${name}: not a readable PNG or JPEG image`);
  }
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

function showFrame(canvas, frame) {
  canvas.width = frame.width;
  canvas.height = frame.height;
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(frame.data), frame.width), 0, 0);
}

async function encodePng(frame) {
  const canvas = document.createElement('canvas');
  showFrame(canvas, frame);
  const blob = await new Promise((resolve) => { canvas.toBlob(resolve, 'image/png'); });
  return new Uint8Array(await blob.arrayBuffer());
}

async function startBackend() {
  if (BACKEND === 'wasm') {
    tf.wasm.setWasmPaths(new URL('vendor/tfjs-backend-wasm/', window.location.href).href);
    if (THREADS === '0') {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    } else if (THREADS) {
      tf.wasm.setThreadsCount(Number(THREADS));
    }
  }
  if (!(await tf.setBackend(BACKEND))) {
    await tf.setBackend('cpu');
  }
  await tf.ready();
}

/** 'wasm, 2 threads' or 'webgl': what the numbers on this page were measured with. */
function backendName() {
  const backend = tf.getBackend();
  return backend === 'wasm' ? `wasm, ${tf.wasm.getThreadsCount()} thread(s)` : backend;
}

function describeModel(manifest, backend) {
  const size = manifest.input_size
    ? `${manifest.input_size.width}x${manifest.input_size.height} px (other sizes are resized)`
    : `any size (padded to a multiple of ${manifest.size_multiple})`;
  const megabytes = (manifest.tfjs.bytes / 1e6).toFixed(1);
  const preset = manifest.model.ctn_preset ? `, ${manifest.model.ctn_preset} preset` : '';
  return `Model: ${manifest.model.kind}${preset}, ${size}, `
    + `${manifest.tfjs.weights} weights (${megabytes} MB), TF.js ${backend} backend.`;
}

async function loadModel() {
  await startBackend();
  const response = await fetch(new URL('manifest.json', MODEL_URL));
  if (!response.ok) {
    throw new Error(`${new URL('manifest.json', MODEL_URL)}: ${response.status}; is this an export folder?`);
  }
  state.manifest = await response.json();
  checkBundle(state.manifest); // before downloading weights the page could not feed
  state.model = await tf.loadGraphModel(new URL(state.manifest.tfjs.path, MODEL_URL).href, {
    onProgress: (fraction) => setStatus(`Loading the model… ${Math.round(fraction * 100)}%`, 'loading', fraction),
  });
  $('#model-info').textContent = describeModel(state.manifest, backendName());
  setStatus('Model ready. Choose the frames.', 'ready', 0);
}

function keyframes() {
  return KEY_SLOTS
    .filter(([color, line]) => state.frames[color] || state.frames[line])
    .map(([color, line]) => ({ color: state.frames[color], line: state.frames[line] }));
}

function updateButtons() {
  const ready = state.model && !state.busy;
  const keysReady = keyframes().length || (state.manifest && !takesKeyframes(state.manifest));
  $('#run').disabled = !(ready && state.frames['slot-line'] && keysReady);
  $('#run-shot').disabled = !(ready && state.shot?.files);
  $('#run-shot-folder').disabled = !(ready && state.shot?.bridge);
}

async function takeFile(slot, file) {
  if (!file) {
    return;
  }
  try {
    const frame = await decodeImage(file, file.name);
    state.frames[slot.id] = frame;
    state.names[slot.id] = file.name;
    let preview = slot.querySelector('canvas');
    if (!preview) {
      preview = slot.appendChild(document.createElement('canvas'));
      slot.appendChild(document.createElement('span')).className = 'name';
    }
    showFrame(preview, frame);
    slot.querySelector('.name').textContent = `${file.name} (${frame.width}x${frame.height})`;
    slot.classList.add('filled');
  } catch (error) {
    setStatus(error.message, 'error', 0);
  }
  updateButtons();
}

function wireSlot(slot) {
  const input = slot.querySelector('input');
  input.addEventListener('change', () => takeFile(slot, input.files[0]));
  for (const type of ['dragenter', 'dragover']) {
    slot.addEventListener(type, (event) => {
      event.preventDefault();
      slot.classList.add('dragging');
    });
  }
  slot.addEventListener('dragleave', () => slot.classList.remove('dragging'));
  slot.addEventListener('drop', (event) => {
    event.preventDefault();
    slot.classList.remove('dragging');
    takeFile(slot, event.dataTransfer.files[0]);
  });
}

/** Run `work` with the buttons off and a ticking status line; errors end up in the status. */
async function busy(label, work) {
  state.busy = true;
  updateButtons();
  const started = performance.now();
  const elapsed = $('#elapsed');
  const tick = setInterval(() => {
    elapsed.textContent = `${((performance.now() - started) / 1000).toFixed(0)} s`;
  }, 500);
  setStatus(`${label}…`, 'running');
  try {
    await work();
  } catch (error) {
    setStatus(error.message, 'error', 0);
  } finally {
    clearInterval(tick);
    elapsed.textContent = '';
    state.busy = false;
    updateButtons();
  }
}

async function colourOnce() {
  const line = state.frames['slot-line'];
  const { frame, seconds } = await colourFrame(tf, state.model, state.manifest, line, keyframes());
  const canvas = $('#result');
  showFrame(canvas, frame);
  canvas.dataset.seconds = seconds.toFixed(3);
  const link = $('#download');
  URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([await encodePng(frame)], { type: 'image/png' }));
  link.download = `${state.names['slot-line'].replace(/\.[^.]*$/, '')}_color.png`;
  link.hidden = false;
  setStatus(`Coloured in ${seconds.toFixed(2)} s (${tf.getBackend()}).`, 'done', 1);
}

/** Files of a dropped folder, recursively, with their paths inside it ('SHOT/line/0000.png'). */
async function droppedFiles(entry) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => { entry.file(resolve, reject); });
    return [{ path: entry.fullPath.replace(/^\//, ''), file }];
  }
  const reader = entry.createReader();
  const children = [];
  for (;;) { // readEntries answers in batches until an empty one
    const batch = await new Promise((resolve, reject) => { reader.readEntries(resolve, reject); });
    if (!batch.length) {
      break;
    }
    children.push(...batch);
  }
  return (await Promise.all(children.map(droppedFiles))).flat();
}

function describeShot(shot) {
  return `${shot.name}: ${shot.frames.length} frames, keyframes ${shot.keyframes.join(', ') || 'none'}`;
}

/** Rebuild the shot from the files given so far; a folder replaces per-kind picks and back. */
function takeShotFiles(source, entries) {
  if (source === 'folder') {
    state.shotFiles = { folder: entries, line: [], color: [] };
  } else {
    state.shotFiles = { ...state.shotFiles, folder: [], [source]: entries };
  }
  $('#download-zip').hidden = true;
  const picked = state.shotFiles.folder.length ? state.shotFiles.folder
    : [...state.shotFiles.line, ...state.shotFiles.color];
  state.shot = null;
  try {
    const shot = shotFromFiles(picked);
    const readFrame = (kind, name) => {
      const file = shot.files.get(`${kind}/${name}`);
      return decodeImage(file, `${kind}/${file.name}`);
    };
    state.shot = { ...shot, readFrame };
    $('#shot-info').textContent = describeShot(shot);
  } catch (error) {
    $('#shot-info').textContent = state.shotFiles.line.length || state.shotFiles.folder.length ? error.message : '';
  }
  updateButtons();
}

/** A shot box: its input picks files (or a folder), and files or a folder may be dropped on it. */
function wireShotSlot(slot, source) {
  const input = slot.querySelector('input');
  const asEntries = (files) => [...files].map((file) => (
    { path: source === 'folder' ? file.webkitRelativePath : `${source}/${file.name}`, file }));
  input.addEventListener('change', () => takeShotFiles(source, asEntries(input.files)));
  for (const type of ['dragenter', 'dragover']) {
    slot.addEventListener(type, (event) => {
      event.preventDefault();
      slot.classList.add('dragging');
    });
  }
  slot.addEventListener('dragleave', () => slot.classList.remove('dragging'));
  slot.addEventListener('drop', async (event) => {
    event.preventDefault();
    slot.classList.remove('dragging');
    if (source !== 'folder') {
      takeShotFiles(source, asEntries(event.dataTransfer.files));
      return;
    }
    const roots = [...event.dataTransfer.items].map((item) => item.webkitGetAsEntry()).filter(Boolean);
    takeShotFiles(source, (await Promise.all(roots.map(droppedFiles))).flat());
  });
}

/** Colour state.shot frame by frame into `save`, showing each frame, with progress and cancel. */
async function colourWholeShot(save) {
  state.cancel = new AbortController();
  $('#cancel-shot').hidden = false;
  const started = performance.now();
  const onProgress = (done, total, name) => setStatus(
    `Coloured ${done} of ${total} frames (last: ${name}).`, 'running', done / total);
  const encodeAndShow = async (frame) => {
    showFrame($('#result'), frame);
    return encodePng(frame);
  };
  try {
    await colourShot(tf, state.model, state.manifest, state.shot, {
      readFrame: state.shot.readFrame, encodePng: encodeAndShow, save, onProgress, signal: state.cancel.signal,
    });
  } finally {
    $('#cancel-shot').hidden = true;
  }
  return (performance.now() - started) / 1000 / state.shot.frames.length;
}

/** The page's whole-shot run: every frame into a ZIP of OUT/ (<frame>.png), offered once complete. */
async function colourShotToZip() {
  const entries = {};
  let perFrame;
  try {
    perFrame = await colourWholeShot(async (name, bytes) => { entries[`${name}.png`] = bytes; });
  } catch (error) {
    if (state.cancel.signal.aborted) { // nothing half-written is offered
      setStatus(`Cancelled after ${Object.keys(entries).length} of ${state.shot.frames.length} frames; no ZIP.`,
        'cancelled', 0);
      return;
    }
    throw error;
  }
  const zip = fflate.zipSync(entries, { level: 0 }); // PNGs are compressed already
  const link = $('#download-zip');
  URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([zip], { type: 'application/zip' }));
  link.download = `${state.shot.name}_color.zip`;
  link.hidden = false;
  setStatus(`Coloured ${state.shot.frames.length} frames (${perFrame.toFixed(2)} s per frame); `
    + `the ZIP holds ${state.shot.name}'s OUT/ folder.`, 'done', 1);
}

/** Electron only: open a shot folder through the preload bridge and save into a folder. */
function wireElectronShot(bridge) {
  $('#electron-shot').hidden = false;
  $('#open-shot').addEventListener('click', async () => {
    const shot = await bridge.openShot();
    if (shot) {
      const readFrame = async (kind, name) => decodeImage(new Blob([await bridge.readFrame(kind, name)]),
        `${kind}/${name}`);
      state.shot = { ...shot, readFrame, bridge: true };
      $('#shot-info').textContent = describeShot(shot);
    }
    updateButtons();
  });
  $('#run-shot-folder').addEventListener('click', async () => {
    const folder = await bridge.chooseOutputFolder();
    if (!folder) {
      return;
    }
    await busy('Colouring the shot', async () => {
      const perFrame = await colourWholeShot(bridge.saveFrame);
      setStatus(`Saved ${state.shot.frames.length} frames to ${folder} (${perFrame.toFixed(2)} s per frame).`,
        'done', 1);
    });
  });
}

document.querySelectorAll('#inputs > .row > .slot').forEach(wireSlot);
[['#shot-folder', 'folder'], ['#shot-lines', 'line'], ['#shot-keys', 'color']].forEach(
  ([selector, source]) => wireShotSlot($(selector), source));
$('#run').addEventListener('click', () => busy('Colouring', colourOnce));
$('#run-shot').addEventListener('click', () => busy('Colouring the shot', colourShotToZip));
$('#cancel-shot').addEventListener('click', () => state.cancel?.abort());
if (window.lineartColor) {
  wireElectronShot(window.lineartColor);
}
loadModel().then(updateButtons, (error) => setStatus(`Could not load the model: ${error.message}`, 'error', 0));

// Colour every frame of a shot folder (SHOT/line/*, SHOT/color/* keyframes), as
// `lineart-color colorize` does: keyframes pass through as painted, every other frame is
// coloured from its nearest keyframes before and after, with its line art laid over the paint
// as ink (in the exported graph, as colorize does by default). Reading, encoding and saving are passed in, so the same code
// serves the page (picked or dropped files, a ZIP), the Electron app (a folder) and tests.

import { colourFrame, naturalCompare, nearestKeyframes, paperRgba, takesKeyframes } from './colorize.js';

const KINDS = ['line', 'color']; // SHOT/truth and anything else in the folder are not read
const IMAGE_FILE = /\.(png|jpe?g)$/i;

/** 'shot_0003/line/0000.png' -> {shot: 'shot_0003', kind: 'line', name: '0000'}; null for a file
 * the shot does not use (another folder, a hidden file, not an image). */
function shotPath(path) {
  const parts = path.split('/').filter(Boolean);
  const [file, kind] = [parts.pop(), parts.pop()];
  if (!KINDS.includes(kind) || file.startsWith('.') || !IMAGE_FILE.test(file)) {
    return null;
  }
  return { shot: parts.pop() ?? '', kind, name: file.replace(/\.[^.]*$/, '') };
}

/**
 * Picked or dropped files [{path, file}] -> one shot {name, frames, keyframes, files}. A path is
 * relative: 'SHOT/line/0000.png' for a picked or dropped folder, 'line/0000.png' for files picked
 * per kind. `files` maps 'kind/name' to the file. Throws a one-line error naming the file.
 */
export function shotFromFiles(entries) {
  const placed = entries.map((entry) => ({ ...entry, place: shotPath(entry.path) })).filter((entry) => entry.place);
  const shots = [...new Set(placed.map(({ place }) => place.shot))];
  if (shots.length > 1) {
    throw new Error(`files from several shots (${shots.join(', ')}): choose one shot folder`);
  }
  const files = new Map();
  for (const { path, file, place } of placed) {
    const key = `${place.kind}/${place.name}`;
    if (files.has(key)) {
      throw new Error(`${path}: a second file for frame ${place.name} in ${place.kind}/`);
    }
    files.set(key, file);
  }
  const named = (kind) => [...files.keys()].filter((key) => key.startsWith(`${kind}/`))
    .map((key) => key.slice(kind.length + 1)).sort(naturalCompare);
  const [frames, keyframes] = [named('line'), named('color')];
  if (!frames.length) {
    throw new Error('no line art: a shot folder holds line/ (every frame) and color/ (the keyframes), PNG or JPEG');
  }
  const orphan = keyframes.find((name) => !files.has(`line/${name}`));
  if (orphan !== undefined) {
    throw new Error(`color/${files.get(`color/${orphan}`).name}: a keyframe with no line art (expected line/${orphan}.png)`);
  }
  return { name: shots[0] || 'shot', frames, keyframes, files };
}

/** A reader that decodes each (kind, name) once: keyframes serve many frames. */
function cachedReader(readFrame) {
  const cache = new Map();
  return (kind, name) => {
    const key = `${kind}/${name}`;
    if (!cache.has(key)) {
      cache.set(key, readFrame(kind, name));
    }
    return cache.get(key);
  };
}

/** One frame as `colorize` writes it: {data: RGBA bytes, width, height}.
 * `readKey` caches: a keyframe serves many frames, other frames are read once. */
async function shotFrame(tf, model, manifest, shot, name, { readFrame, readKey }) {
  if (shot.keyframes.includes(name)) {
    const painted = await readKey('color', name);
    return { data: paperRgba(painted), width: painted.width, height: painted.height };
  }
  const line = await readFrame('line', name);
  const keys = takesKeyframes(manifest) ? nearestKeyframes(shot.frames, shot.keyframes, name) : [];
  const keyframes = await Promise.all(keys.map(async (key) => (
    { color: await readKey('color', key), line: await readKey('line', key) })));
  return (await colourFrame(tf, model, manifest, line, keyframes)).frame;
}

/**
 * shot: {frames: [names], keyframes: [names]}; io: {readFrame(kind, name) -> frame,
 * encodePng(frame) -> bytes, save(name, bytes), onProgress(done, total, name), signal (an
 * AbortSignal: cancel between frames)}.
 */
export async function colourShot(tf, model, manifest, shot, io) {
  if (takesKeyframes(manifest) && !shot.keyframes.length) {
    throw new Error('the shot has no painted keyframe in its color/ folder');
  }
  const readers = { readFrame: io.readFrame, readKey: cachedReader(io.readFrame) };
  for (const [index, name] of shot.frames.entries()) {
    io.signal?.throwIfAborted();
    const frame = await shotFrame(tf, model, manifest, shot, name, readers);
    await io.save(name, await io.encodePng(frame));
    io.onProgress?.(index + 1, shot.frames.length, name);
  }
}

// Colour every frame of a shot folder (SHOT/line/*, SHOT/color/* keyframes), as
// `lineart-color colorize` does: each frame from its nearest keyframes before and after.
// The Electron app drives it through its preload bridge; reading, encoding and saving are
// passed in, so the same code runs under a test in Chromium or Node.

import { colorize, colourToRgba, nearestKeyframes, takesKeyframes } from './colorize.js';

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

/**
 * shot: {frames: [names], keyframes: [names]}; io: {readFrame(kind, name) -> frame,
 * encodePng(frame) -> bytes, save(name, bytes), onProgress(done, total, name)}.
 * Returns the seconds spent in the network per frame.
 */
export async function colourShot(tf, model, manifest, shot, io) {
  const withKeys = takesKeyframes(manifest);
  if (withKeys && !shot.keyframes.length) {
    throw new Error('the shot has no painted keyframe in its color/ folder');
  }
  const readKey = cachedReader(io.readFrame);
  const seconds = [];
  for (const [index, name] of shot.frames.entries()) {
    const keys = withKeys ? nearestKeyframes(shot.keyframes, name) : [];
    const keyframes = await Promise.all(keys.map(async (key) => (
      { color: await readKey('color', key), line: await readKey('line', key) })));
    const line = await io.readFrame('line', name);
    const result = await colorize(tf, model, manifest, line, keyframes);
    const data = colourToRgba(tf, result.colour);
    result.colour.dispose();
    await io.save(name, await io.encodePng({ data, width: result.width, height: result.height }));
    seconds.push(result.seconds);
    io.onProgress?.(index + 1, shot.frames.length, name);
  }
  return seconds;
}

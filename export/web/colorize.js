// Colour a line-art frame with an exported TF.js bundle: the logic shared by the web page,
// the Electron app and the Node runner. It imports nothing: callers pass their `tf` (the
// page's global, or '@tensorflow/tfjs' in Node) and frames as {data: RGBA bytes, width,
// height}, the shape of a canvas ImageData, so it runs the same everywhere.
//
// Pixels are read as lineart_color reads files (transparency onto white paper, PIL's grey
// weights), so a bundle gives the same colours here as the model does in Python.

export const SIZE_MULTIPLE = 8;
const WHITE = 255;

/** Opaque RGB bytes of one pixel: transparency composited onto white paper. */
function onPaper(data, offset) {
  const alpha = data[offset + 3];
  const blend = (value) => Math.round((value * alpha + WHITE * (WHITE - alpha)) / WHITE);
  return [blend(data[offset]), blend(data[offset + 1]), blend(data[offset + 2])];
}

/** PIL's RGB -> L conversion (ITU-R 601-2 luma in 16-bit fixed point), so greys match Python. */
function luma([r, g, b]) {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

/** Frame -> Float32Array [H * W * channels] in [0, 1]: channels 1 gives grey line art, 3 gives RGB. */
export function frameValues(frame, channels) {
  const pixels = frame.width * frame.height;
  const values = new Float32Array(pixels * channels);
  for (let i = 0; i < pixels; i += 1) {
    const rgb = onPaper(frame.data, 4 * i);
    if (channels === 1) {
      values[i] = luma(rgb) / WHITE;
    } else {
      values.set(rgb.map((v) => v / WHITE), 3 * i);
    }
  }
  return values;
}

/** Throw a readable error unless the frames can be coloured together. */
export function checkFrames(line, keyframes, keyframesNeeded = true) {
  if (!line) {
    throw new Error('choose the line-art frame to colour');
  }
  if (!keyframesNeeded) {
    return;
  }
  if (!keyframes.length) {
    throw new Error('choose at least one painted keyframe with its line art');
  }
  keyframes.forEach((key, index) => {
    for (const [part, frame] of [['colour', key.color], ['line art', key.line]]) {
      if (!frame) {
        throw new Error(`keyframe ${index + 1}: its ${part} is missing`);
      }
      if (frame.width !== line.width || frame.height !== line.height) {
        throw new Error(`keyframe ${index + 1} ${part} is ${frame.width}x${frame.height}, the line art is `
          + `${line.width}x${line.height}: frames of one shot have one size`);
      }
    }
  });
}

/** False for a reference-free bundle (the self-attention U-Net): its only input is the line art. */
export function takesKeyframes(manifest) {
  return Boolean(manifest.inputs && manifest.inputs.ref_color);
}

/** Throw a readable error for a bundle this page cannot feed: one that needs optical-flow priors. */
export function checkBundle(manifest) {
  if (manifest.inputs && manifest.inputs.priors) {
    throw new Error(`this ${manifest.model.kind} bundle needs the optical flow's warps as an input, which only `
      + '`lineart-color colorize` computes (OpenCV); export a Colour Transform Network for the page');
  }
}

/** The size the network runs at: the bundle's fixed size, or the frame padded to a multiple of 8. */
export function workingSize(manifest, width, height) {
  const fixed = manifest.input_size;
  if (fixed) {
    return { width: fixed.width, height: fixed.height, fit: 'resize' };
  }
  const up = (n) => Math.ceil(n / SIZE_MULTIPLE) * SIZE_MULTIPLE;
  return { width: up(width), height: up(height), fit: 'pad' };
}

/** [H, W, C] tensor -> [h, w, C] at the working size: resized, or padded with white paper. */
function toWorkingSize(tf, image, size) {
  const [height, width] = image.shape;
  if (height === size.height && width === size.width) {
    return image;
  }
  if (size.fit === 'resize') {
    return tf.image.resizeBilinear(image, [size.height, size.width], false, true);
  }
  return tf.pad(image, [[0, size.height - height], [0, size.width - width], [0, 0]], 1);
}

/** [h, w, 3] network output -> [H, W, 3] at the frame's own size (undo toWorkingSize). */
function toFrameSize(tf, image, size, width, height) {
  if (image.shape[0] === height && image.shape[1] === width) {
    return image;
  }
  if (size.fit === 'resize') {
    return tf.image.resizeBilinear(image, [height, width], false, true);
  }
  return tf.slice(image, [0, 0, 0], [height, width, 3]);
}

/** The signature's inputs (batch of one) at the working size: the line art, and the keyframes
 * unless the bundle is reference-free. */
export function modelInputs(tf, manifest, line, keyframes) {
  checkBundle(manifest);
  checkFrames(line, keyframes, takesKeyframes(manifest));
  const size = workingSize(manifest, line.width, line.height);
  const image = (frame, channels) => toWorkingSize(
    tf, tf.tensor3d(frameValues(frame, channels), [frame.height, frame.width, channels]), size);
  if (!takesKeyframes(manifest)) {
    return tf.tidy(() => ({ line: image(line, 1).expandDims(0) }));
  }
  return tf.tidy(() => ({
    line: image(line, 1).expandDims(0),
    ref_color: tf.stack(keyframes.map((key) => image(key.color, 3))).expandDims(0),
    ref_line: tf.stack(keyframes.map((key) => image(key.line, 1))).expandDims(0),
  }));
}

/** Frame -> opaque RGBA bytes as lineart_color reads it (transparency onto white): a keyframe passed through. */
export function paperRgba(frame) {
  const pixels = frame.width * frame.height;
  const rgba = new Uint8ClampedArray(pixels * 4).fill(WHITE);
  for (let i = 0; i < pixels; i += 1) {
    rgba.set(onPaper(frame.data, 4 * i), 4 * i);
  }
  return rgba;
}

/** [H, W, 3] colour in [0, 1] -> opaque RGBA bytes, rounded as lineart_color writes PNGs. */
export function colourToRgba(tf, colour) {
  const bytes = tf.tidy(() => tf.floor(colour.clipByValue(0, 1).mul(WHITE).add(0.5)));
  const rgb = bytes.dataSync();
  bytes.dispose();
  const pixels = rgb.length / 3;
  const rgba = new Uint8ClampedArray(pixels * 4).fill(WHITE);
  for (let i = 0; i < pixels; i += 1) {
    rgba.set(rgb.subarray(3 * i, 3 * i + 3), 4 * i);
  }
  return rgba;
}

/**
 * Colour `line` from `keyframes` ([{color, line}], one or more, same size as `line`; none for a
 * reference-free bundle).
 * Returns {colour: [H, W, 3] float tensor (the caller disposes it), width, height, seconds}.
 * `onStage(text)` hears where it is; the graph has loops, so it runs with executeAsync.
 */
export async function colorize(tf, model, manifest, line, keyframes, onStage = () => {}) {
  const started = performance.now();
  onStage('preparing the frames');
  const inputs = modelInputs(tf, manifest, line, keyframes);
  onStage('running the network');
  let output;
  try {
    output = await model.executeAsync(inputs, 'color');
  } finally {
    Object.values(inputs).forEach((tensor) => tensor.dispose());
  }
  const size = workingSize(manifest, line.width, line.height);
  const colour = tf.tidy(() => toFrameSize(tf, output.squeeze([0]), size, line.width, line.height));
  output.dispose();
  return { colour, width: line.width, height: line.height, seconds: (performance.now() - started) / 1000 };
}

/**
 * Colour `line` into the frame `colorize` writes: opaque RGBA bytes. The graph itself lays the line
 * art over the paint as ink, as `colorize` does by default.
 * Returns {frame: {data, width, height}, seconds} (the network's time).
 */
export async function colourFrame(tf, model, manifest, line, keyframes) {
  const result = await colorize(tf, model, manifest, line, keyframes);
  const data = colourToRgba(tf, result.colour);
  result.colour.dispose();
  return { frame: { data, width: result.width, height: result.height }, seconds: result.seconds };
}

/** Frame names in natural order ('2' before '10'), as Python's shots.natural_key sorts them. */
export function naturalCompare(a, b) {
  const split = (text) => text.split(/(\d+)/).map((part, i) => (i % 2 ? Number(part) : part));
  const [left, right] = [split(a), split(b)];
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    if (left[i] !== right[i]) {
      return left[i] < right[i] ? -1 : 1;
    }
  }
  return left.length - right.length;
}

/** The keyframes for `target` (a name in `frames`): the nearest at or before it and the nearest at or
 * after it, the nearer in time first (the earlier on a tie), as Python's keyframes_nearest_first orders
 * them for the network. */
export function nearestKeyframes(frames, keyNames, target) {
  const sorted = [...keyNames].sort(naturalCompare);
  const before = sorted.filter((name) => naturalCompare(name, target) <= 0).pop();
  const after = sorted.find((name) => naturalCompare(name, target) >= 0);
  const keys = [...new Set([before, after].filter((name) => name !== undefined))];
  const distance = (name) => Math.abs(frames.indexOf(name) - frames.indexOf(target));
  return keys.sort((a, b) => distance(a) - distance(b)); // stable: the earlier stays first on a tie
}

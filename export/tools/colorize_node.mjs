#!/usr/bin/env node
// Colour one frame with an exported TF.js bundle in Node (pure @tensorflow/tfjs, no native addon).
//
//   node export/tools/colorize_node.mjs EXPORT_DIR LINE.png [KEY.png KEY_LINE.png [KEY2.png KEY2_LINE.png]]
//        --out OUT.png [--raw OUT.f32] [--backend cpu|wasm] [--repeat N]
//
// No keyframe for a reference-free bundle (the self-attention U-Net); one or two otherwise.
// --raw writes the float32 colour [H, W, 3] before rounding, for comparisons with Python;
// --repeat N runs N times and reports each time. Prints one JSON line: backend and seconds.

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';

import { checkBundle, colorize, colourToRgba } from '../web/colorize.js';

const USAGE = 'usage: colorize_node.mjs EXPORT_DIR LINE.png [KEY.png KEY_LINE.png [KEY2.png KEY2_LINE.png]] '
  + '--out OUT.png [--raw OUT.f32] [--backend cpu|wasm] [--repeat N]';

/** An IOHandler that reads model.json and its weight shards from a folder. */
function folderModel(folder) {
  return {
    async load() {
      const json = JSON.parse(await readFile(path.join(folder, 'model.json'), 'utf8'));
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const shards = await Promise.all(manifest.flatMap((group) => group.paths)
          .map((name) => readFile(path.join(folder, name))));
        const bytes = Buffer.concat(shards);
        return [specs, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)];
      });
    },
  };
}

async function readFrame(file) {
  try {
    const png = PNG.sync.read(await readFile(file));
    return { data: png.data, width: png.width, height: png.height };
  } catch (error) {
    throw new Error(`${file}: not a readable PNG (${error.message})`, { cause: error });
  }
}

async function useBackend(name) {
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
  }
  if (!(await tf.setBackend(name))) {
    throw new Error(`--backend ${name}: could not be started`);
  }
  await tf.ready();
}

function parse(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' }, raw: { type: 'string' },
      backend: { type: 'string', default: 'cpu' }, repeat: { type: 'string', default: '1' },
    },
  });
  const repeat = Number(values.repeat);
  if (!values.out || ![2, 4, 6].includes(positionals.length) || !(Number.isInteger(repeat) && repeat >= 1)) {
    throw new Error(USAGE);
  }
  return { ...values, repeat, folder: positionals[0], files: positionals.slice(1) };
}

async function main() {
  const options = parse(process.argv.slice(2));
  await useBackend(options.backend);
  const manifest = JSON.parse(await readFile(path.join(options.folder, 'manifest.json'), 'utf8'));
  checkBundle(manifest);
  const model = await tf.loadGraphModel(folderModel(path.join(options.folder, 'tfjs')));
  const [line, ...keyFrames] = await Promise.all(options.files.map(readFrame));
  const keyframes = [];
  for (let i = 0; i < keyFrames.length; i += 2) {
    keyframes.push({ color: keyFrames[i], line: keyFrames[i + 1] });
  }
  const seconds = [];
  let result;
  for (let run = 0; run < options.repeat; run += 1) {
    result?.colour.dispose();
    result = await colorize(tf, model, manifest, line, keyframes);
    seconds.push(result.seconds);
  }
  const png = new PNG({ width: result.width, height: result.height });
  png.data = Buffer.from(colourToRgba(tf, result.colour));
  await writeFile(options.out, PNG.sync.write(png));
  if (options.raw) {
    await writeFile(options.raw, Buffer.from((await result.colour.data()).buffer));
  }
  console.log(JSON.stringify({ backend: tf.getBackend(), seconds }));
}

main().catch((error) => {
  console.error(`colorize_node: error: ${error.message}`);
  process.exit(2);
});

// Call one exported function of a page module with JSON arguments, as the page would.
//
//   node tests/export/call_module.mjs MODULE FUNCTION 'JSON_ARRAY_OF_ARGUMENTS'
//
// MODULE is a path under export/web (shot.js). Prints one JSON line: {result} (Maps as objects),
// or {error: message} when the function throws.

import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../export/web');
const [module, name, args] = process.argv.slice(2);
const exported = await import(pathToFileURL(path.join(web, module)).href);
const asJson = (_key, value) => (value instanceof Map ? Object.fromEntries(value) : value);
try {
  console.log(JSON.stringify({ result: await exported[name](...JSON.parse(args)) }, asJson));
} catch (error) {
  console.log(JSON.stringify({ error: error.message }));
}

// `npm run bench`: run every bench/<area>.bench.ts (or those named: `npm run bench -- smoke-test`)
// and print one markdown table per area. A benchmark that throws is reported, not hidden.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderSection, type Benchmark } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => wanted.length === 0 || wanted.some((name) => file.startsWith(name)))
  .sort();

let failed = 0;
for (const file of files) {
  const started = Date.now();
  try {
    const module = (await import(pathToFileURL(`${here}/${file}`).href)) as { default: Benchmark };
    const section = await module.default();
    console.log(`${renderSection(section)}\n\n_${file}: ${((Date.now() - started) / 1000).toFixed(1)} s_\n`);
  } catch (error) {
    failed += 1;
    console.log(`## ${file}\n\nfailed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;

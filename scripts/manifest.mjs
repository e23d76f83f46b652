// Writes oclif.manifest.json from the built command classes (oclif's own Config does the loading),
// so that at run time neither oclif nor main.ts has to require every command file.
import { Config } from '@oclif/core';
import { writeFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'oclif.manifest.json'), { force: true });
const config = await Config.load(root);
const plugin = config.plugins.get(config.pjson.name) ?? [...config.plugins.values()][0];
const manifest = plugin.manifest;
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
console.log(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands`);

/**
 * Writes package.json's `contributes.configuration.properties` from the option
 * table (src/protocol/options.ts via src/host/analysis/settingsTable.ts), so a
 * setting is declared in one place. Run after adding or changing an option
 * with a setting: `npm run settings-schema`. test/unit/options/table.test.ts
 * fails when package.json and the table disagree.
 */
import fs from 'node:fs';
import path from 'node:path';
import { settingsSchema } from '../src/host/analysis/settingsTable';

const file = path.join(__dirname, '..', 'package.json');
const text = fs.readFileSync(file, 'utf8');
const pkg = JSON.parse(text) as { contributes: { configuration: { properties: unknown } } };
pkg.contributes.configuration.properties = settingsSchema();
fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
process.stdout.write(`wrote ${Object.keys(settingsSchema()).length} settings to ${file}\n`);

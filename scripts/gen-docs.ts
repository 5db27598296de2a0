// npm run docs: regenerate the documents that are derived from code.
import { writeFileSync } from 'node:fs';
import { CONFIG_SCHEMA } from '../src/config/load.ts';
import { renderReference } from '../src/config/reference.ts';
import { POLICY_FACTORIES } from '../src/policies/index.ts';

const target = new URL('../docs/configuration.md', import.meta.url);
writeFileSync(target, renderReference(CONFIG_SCHEMA, POLICY_FACTORIES));
process.stdout.write(`wrote ${target.pathname}\n`);

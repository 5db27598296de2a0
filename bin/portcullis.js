#!/usr/bin/env node
// Published entry: runs the compiled CLI when present, the TypeScript sources otherwise (development).
import { existsSync } from 'node:fs';
const dist = new URL('../dist/src/cli/main.js', import.meta.url);
await import(existsSync(dist) ? dist.href : new URL('../src/cli/main.ts', import.meta.url).href);

#!/usr/bin/env node
// The `immune-sync` command: registers tsx so that Node runs the TypeScript sources as they are
// (no build step), then starts the command line.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

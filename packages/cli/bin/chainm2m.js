#!/usr/bin/env node
// `chainm2m`: runs the TypeScript CLI through tsx's loader, in this process (signals and exit codes are the CLI's own).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');

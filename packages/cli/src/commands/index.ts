import type { Command } from '../Command.js';
import { anomalyCommands } from './anomalies.js';
import { endpointCommands } from './endpoints.js';
import { userCommands } from './users.js';

export const allCommands: readonly Command[] = [...endpointCommands, ...userCommands, ...anomalyCommands];

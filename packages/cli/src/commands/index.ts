import type { Command } from '../Command.js';
import { anomalyCommands } from './anomalies.js';
import { endpointCommands } from './endpoints.js';
import { sim } from './sim.js';
import { deployCommand, status } from './status.js';
import { provenanceCommands } from './provenance.js';
import { up } from './up.js';
import { trustCommands } from './trust.js';
import { userCommands } from './users.js';

export const allCommands: readonly Command[] = [up, ...endpointCommands, ...userCommands, ...anomalyCommands, ...trustCommands, sim, status, deployCommand, ...provenanceCommands];

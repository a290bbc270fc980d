import type { Command } from '../Command.js';
import { anomalyCommands } from './anomalies.js';
import { endpointCommands } from './endpoints.js';
import { sim } from './sim.js';
import { deployCommand, status } from './status.js';
import { provenanceCommands } from './provenance.js';
import { up } from './up.js';
import { userCommands } from './users.js';

export const allCommands: readonly Command[] = [up, ...endpointCommands, ...userCommands, ...anomalyCommands, sim, status, deployCommand, ...provenanceCommands];

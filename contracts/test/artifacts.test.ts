import { readFileSync } from 'node:fs';
import { Interface, id } from 'ethers';
import { describe, expect, it } from 'vitest';
import { compileContracts, serializeArtifact } from '../src/compile.js';
import { CONTRACT_NAMES, ContractsError, EVALUATOR_ROLE, Roles, loadArtifact } from '../src/index.js';
import type { ContractName } from '../src/index.js';

const CLIENT = '(string,(string,string,bytes),(string,string,bytes,uint16,uint32,string),uint8,address,uint64,uint64)';
const USER = '(string,uint8,uint8,bytes,string,bool,uint64,uint64)';
const NEW_ANOMALY = '(string,uint64,uint8,string,string)';
const NEW_EVALUATION = '(string,string,int32,uint32,uint8,bytes32,uint64)';

/** The agreed interface (CONTRACT_SPEC.md): signatures the chain adapter codes against. */
const SPEC: Record<ContractName, { functions: string[]; events: string[]; errors: string[] }> = {
  ClientStore: {
    functions: [
      `addClient(${CLIENT})`,
      `addClients(${CLIENT}[])`,
      `updateClient(${CLIENT})`,
      'removeClient(string,bool)',
      'getClient(string)',
      'getClientByIdentity(string)',
      'exists(string)',
      'clientCount()',
      'listClients(uint256,uint256)',
    ],
    events: [
      'ClientAdded(bytes32,string,address)',
      'ClientUpdated(bytes32,string,address)',
      'ClientRemoved(bytes32,string,bool,address)',
    ],
    errors: [
      'ClientStore__AlreadyExists(string)',
      'ClientStore__NotFound(string)',
      'ClientStore__IdentityInUse(string)',
      'ClientStore__IdentityNotFound(string)',
      'ClientStore__InvalidInput(string)',
      'AccessControlUnauthorizedAccount(address,bytes32)',
    ],
  },
  UserStore: {
    functions: [
      `addUser(${USER})`,
      `updateUser(${USER})`,
      'disableUser(string)',
      'getUser(string)',
      'userExists(string)',
      'userCount()',
      'listUsers(uint256,uint256)',
    ],
    events: ['UserAdded(bytes32,string,uint8)', 'UserUpdated(bytes32,string,uint8,bool)', 'UserDisabled(bytes32,string)'],
    errors: ['UserStore__AlreadyExists(string)', 'UserStore__NotFound(string)', 'UserStore__InvalidInput(string)', 'AccessControlUnauthorizedAccount(address,bytes32)'],
  },
  AnomalyStore: {
    functions: [
      `addAnomaly(${NEW_ANOMALY})`,
      `addAnomalies(${NEW_ANOMALY}[])`,
      'anomalyCount()',
      'getAnomaly(uint256)',
      'listAnomalies(uint256,uint256)',
      'anomalyCountByEndpoint(string)',
      'listAnomaliesByEndpoint(string,uint256,uint256)',
      'listAnomaliesByTime(uint64,uint64,uint256,uint256)',
    ],
    events: ['AnomalyAdded(uint256,bytes32,string,uint64,uint8,string,address)'],
    errors: ['AnomalyStore__NotFound(uint256)', 'AnomalyStore__InvalidInput(string)', 'AccessControlUnauthorizedAccount(address,bytes32)'],
  },
  TrustStore: {
    functions: [
      `addEvaluation(${NEW_EVALUATION})`,
      `addEvaluations(${NEW_EVALUATION}[])`,
      'recordInterface(string,bytes32,uint64)',
      'recordInterfaces((string,bytes32,uint64)[])',
      'evaluationCount()',
      'evaluationCountOf(string)',
      'interfaceCount(string)',
      'getInterface(string,uint256)',
      'latestInterfaceDigest(string)',
      'EVALUATOR_ROLE()',
    ],
    events: [
      'EvaluationAdded(uint256,bytes32,bytes32,string,string,int32,uint32,uint8,bytes32,uint64,address)',
      'InterfaceRecorded(bytes32,uint256,string,bytes32,uint64,address)',
    ],
    errors: [
      'TrustStore__ScoreOutOfRange(int32)',
      'TrustStore__UnknownKind(uint8)',
      'TrustStore__InvalidInput(string)',
      'TrustStore__NotFound(string,uint256)',
      'AccessControlUnauthorizedAccount(address,bytes32)',
    ],
  },
  AuditAnchor: {
    functions: [
      'anchorRoot(bytes32,uint64,uint64,uint64,bytes32)',
      'publishSigningKey(bytes32)',
      'revokeSigningKey(bytes32)',
      'checkRoot(bytes32,bytes32)',
      'getAnchor(bytes32)',
      'verifyRecord(bytes32,bytes32,bytes32[])',
      'nextSeq()',
      'lastRoot()',
      'anchorCount()',
      'rootAt(uint256)',
      'isSigningKey(bytes32)',
    ],
    events: ['RootAnchored(bytes32,uint64,uint64,uint64,bytes32,address)', 'SigningKeyPublished(bytes32,uint64,address)', 'SigningKeyRevoked(bytes32,address)'],
    errors: [
      'AuditAnchor__AlreadyAnchored(bytes32)',
      'AuditAnchor__OutOfSequence(uint64,uint64)',
      'AuditAnchor__WrongPrevRoot(bytes32,bytes32)',
      'AuditAnchor__InvalidInput(string)',
      'AuditAnchor__NotFound(bytes32)',
      'AuditAnchor__KeyAlreadyPublished(bytes32)',
      'AuditAnchor__KeyNotPublished(bytes32)',
      'AccessControlUnauthorizedAccount(address,bytes32)',
    ],
  },
};

describe('artifacts', () => {
  it('recompiling reproduces the committed artifacts byte for byte', () => {
    const { artifacts } = compileContracts();
    for (const name of CONTRACT_NAMES) {
      const committed = readFileSync(new URL(`../artifacts/${name}.json`, import.meta.url), 'utf8');
      expect(serializeArtifact(artifacts[name]), name).toBe(committed);
    }
  }, 60_000);

  it('loadArtifact returns ABI, creation bytecode and compiler settings', () => {
    for (const name of CONTRACT_NAMES) {
      const a = loadArtifact(name);
      expect(a.contractName).toBe(name);
      expect(a.bytecode).toMatch(/^0x(?:[0-9a-f]{2})+$/);
      expect(a.solcVersion).toMatch(/^0\.8\.30\+/);
      expect(a.settings).toMatchObject({ optimizer: { enabled: true }, evmVersion: 'cancun' });
      expect(loadArtifact(name)).toBe(a); // cached
    }
    expect(() => loadArtifact('Nope' as ContractName)).toThrow(ContractsError);
  });

  it('exposes the agreed functions, events and errors', () => {
    for (const name of CONTRACT_NAMES) {
      const iface = new Interface(loadArtifact(name).abi);
      const spec = SPEC[name];
      for (const sig of spec.functions) expect(iface.getFunction(sig), `${name}.${sig}`).not.toBeNull();
      for (const sig of spec.events) expect(iface.getEvent(sig), `${name}.${sig}`).not.toBeNull();
      for (const sig of spec.errors) expect(iface.getError(sig), `${name}.${sig}`).not.toBeNull();
      for (const role of ['ADMIN_ROLE', 'REGISTRAR_ROLE', 'REPORTER_ROLE', 'SERVER_ROLE']) {
        expect(iface.getFunction(`${role}()`), `${name}.${role}`).not.toBeNull();
      }
    }
  });

  it('role ids are keccak256 of their names', () => {
    for (const [name, value] of Object.entries(Roles)) {
      expect(value).toBe(name === 'DEFAULT_ADMIN_ROLE' ? `0x${'00'.repeat(32)}` : id(name));
    }
    expect(EVALUATOR_ROLE).toBe(id('EVALUATOR_ROLE'));
  });
});

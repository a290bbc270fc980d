import { createHash } from 'node:crypto';
import type { UserDirectory, UserRecord, UserRole } from '@chainm2m/lwm2m';
import { UserRoles } from '@chainm2m/lwm2m';
import { Lwm2mServerError } from '../Lwm2mServerError.js';
import { badField, checkIntRange, checkUsername } from './validation.js';

/** Turns passwords into opaque verifiers and checks them (scrypt in production, see chain-adapter). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, verifier: string): Promise<boolean>;
}

/** A user as shown by the API and the CLI: never the verifier. */
export interface UserView {
  readonly username: string;
  readonly role: UserRole;
  readonly clearance: number;
  readonly email: string;
  readonly active: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewUserInput {
  readonly username: string;
  readonly role: UserRole;
  readonly clearance?: number | undefined;
  readonly password: string;
  readonly email?: string | undefined;
}

export interface UserChanges {
  readonly role?: UserRole | undefined;
  readonly clearance?: number | undefined;
  readonly password?: string | undefined;
  readonly email?: string | undefined;
  readonly active?: boolean | undefined;
}

export const PASSWORD_MIN_LENGTH = 8;

/** A user and the stamp of its current credentials: tokens carry the stamp, a new password changes it. */
export interface Account {
  readonly view: UserView;
  readonly stamp: string;
}

/** A short, one-way fingerprint of a password verifier (which is itself salted and one-way). */
export function credentialStamp(verifier: string): string {
  return createHash('sha256').update('chainm2m-token-stamp\n').update(verifier).digest('base64url').slice(0, 16);
}

export function toUserView(u: UserRecord): UserView {
  return { username: u.username, role: u.role, clearance: u.clearance, email: u.email, active: u.active, createdAt: u.createdAt, updatedAt: u.updatedAt };
}

function checkRole(role: string): UserRole {
  if (!UserRoles.includes(role as UserRole)) throw badField('role', `must be one of ${UserRoles.join(', ')}`);
  return role as UserRole;
}

function checkPassword(password: string): string {
  if (password.length < PASSWORD_MIN_LENGTH) throw badField('password', `must be at least ${PASSWORD_MIN_LENGTH} characters`);
  return password;
}

function checkEmail(email: string): string {
  if (email !== '' && !/^[^\s@]+@[^\s@]+$/.test(email)) throw badField('email', 'is not an e-mail address');
  return email;
}

/** Users of the API and the CLI, kept in the UserDirectory (the UserStore contract in production). */
export class UserService {
  /** Verified against when the user does not exist, so both paths cost one hash check. */
  private dummyVerifier: Promise<string> | undefined;

  constructor(
    private readonly users: UserDirectory,
    private readonly hasher: PasswordHasher,
  ) {}

  async add(input: NewUserInput): Promise<UserView> {
    const username = checkUsername(input.username);
    const role = checkRole(input.role);
    const clearance = checkIntRange(input.clearance ?? 0, 0, 255, 'clearance');
    const email = checkEmail(input.email ?? '');
    const verifier = await this.hasher.hash(checkPassword(input.password));
    if (await this.users.get(username)) throw new Lwm2mServerError('SRV_USER_EXISTS', `user ${username} already exists`, { details: { username } });
    await this.users.add({ username, role, clearance, verifier, email });
    const created = await this.users.get(username);
    if (!created) throw new Lwm2mServerError('SRV_NOT_READABLE_YET', `user ${username} was added but cannot be read back yet`);
    return toUserView(created);
  }

  /** The user, or `undefined` when unknown. */
  async find(username: string): Promise<UserView | undefined> {
    const u = await this.users.get(username);
    return u ? toUserView(u) : undefined;
  }

  async get(username: string): Promise<UserView> {
    const u = await this.users.get(username);
    if (!u) throw new Lwm2mServerError('SRV_UNKNOWN_USER', `unknown user ${username}`, { details: { username } });
    return toUserView(u);
  }

  async list(offset: number, limit: number): Promise<{ items: UserView[]; total: number }> {
    const page = await this.users.list(offset, limit);
    return { items: page.items.map(toUserView), total: page.total };
  }

  async update(username: string, changes: UserChanges): Promise<UserView> {
    if (!(await this.users.get(username))) throw new Lwm2mServerError('SRV_UNKNOWN_USER', `unknown user ${username}`, { details: { username } });
    const patch = {
      ...(changes.role !== undefined ? { role: checkRole(changes.role) } : {}),
      ...(changes.clearance !== undefined ? { clearance: checkIntRange(changes.clearance, 0, 255, 'clearance') } : {}),
      ...(changes.email !== undefined ? { email: checkEmail(changes.email) } : {}),
      ...(changes.active !== undefined ? { active: changes.active } : {}),
      ...(changes.password !== undefined ? { verifier: await this.hasher.hash(checkPassword(changes.password)) } : {}),
    };
    return toUserView(await this.users.update(username, patch));
  }

  async disable(username: string): Promise<void> {
    if (!(await this.users.get(username))) throw new Lwm2mServerError('SRV_UNKNOWN_USER', `unknown user ${username}`, { details: { username } });
    await this.users.disable(username);
  }

  /** The user with the stamp of its credentials, or `undefined` when unknown. */
  async account(username: string): Promise<Account | undefined> {
    const u = await this.users.get(username);
    return u ? { view: toUserView(u), stamp: credentialStamp(u.verifier) } : undefined;
  }

  /** The active user with that password, else `undefined` (same work whether or not the user exists). */
  async authenticate(username: string, password: string): Promise<Account | undefined> {
    const u = await this.users.get(username);
    if (!u) {
      this.dummyVerifier ??= this.hasher.hash('not-a-real-password');
      await this.hasher.verify(password, await this.dummyVerifier);
      return undefined;
    }
    const ok = await this.hasher.verify(password, u.verifier);
    return ok && u.active ? { view: toUserView(u), stamp: credentialStamp(u.verifier) } : undefined;
  }
}

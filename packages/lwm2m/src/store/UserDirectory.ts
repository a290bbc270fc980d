/** Users of the REST API and the CLI (the UserStore contract in production). */
export type UserRole = 'admin' | 'user' | 'application';

export const UserRoles: readonly UserRole[] = ['admin', 'user', 'application'] as const;

export interface UserRecord {
  readonly username: string;
  readonly role: UserRole;
  readonly clearance: number;
  /** Opaque password verifier (e.g. `scrypt$N$r$p$salt$hash`, see chain-adapter's passwordVerifier). */
  readonly verifier: string;
  readonly email: string;
  readonly active: boolean;
  /** Unix seconds. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewUser {
  readonly username: string;
  readonly role: UserRole;
  readonly clearance: number;
  readonly verifier: string;
  readonly email: string;
}

export interface UserPatch {
  readonly role?: UserRole;
  readonly clearance?: number;
  readonly verifier?: string;
  readonly email?: string;
  readonly active?: boolean;
}

export interface UserDirectory {
  get(username: string): Promise<UserRecord | undefined>;
  list(offset: number, limit: number): Promise<{ readonly items: readonly UserRecord[]; readonly total: number }>;
  /** Rejects a duplicate username. */
  add(user: NewUser): Promise<void>;
  /** Rejects an unknown username. */
  update(username: string, patch: UserPatch): Promise<UserRecord>;
  disable(username: string): Promise<void>;
}

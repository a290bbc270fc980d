import type { UserRole } from '@chainm2m/lwm2m';
import { UserRoles } from '@chainm2m/lwm2m';
import type { UserView } from '@chainm2m/lwm2m-server';
import { ExitCode, usage } from '../CliError.js';
import type { Command, CommandContext, Values } from '../Command.js';
import { print, printJson, table } from '../Io.js';
import { int, pageOf, PAGE_OPTIONS, str } from '../options.js';

function role(value: string | boolean | undefined): UserRole {
  if (typeof value !== 'string' || !UserRoles.includes(value as UserRole)) throw usage(`--role must be one of ${UserRoles.join(', ')}`);
  return value as UserRole;
}

async function readPassword(ctx: CommandContext, values: Values): Promise<string> {
  if (values['password-stdin'] === true) {
    const text = (await ctx.io.readStdin()).replace(/\r?\n$/, '');
    if (text === '') throw usage('--password-stdin: standard input is empty');
    return text;
  }
  if (!ctx.io.prompt) throw usage('no terminal to ask for the password: pass it on standard input with --password-stdin');
  const first = await ctx.io.prompt('Password: ');
  const second = await ctx.io.prompt('Repeat password: ');
  if (first !== second) throw usage('the passwords do not match');
  return first;
}

function rows(items: readonly UserView[]): string[][] {
  return [['username', 'role', 'clearance', 'active', 'email'], ...items.map((u) => [u.username, u.role, String(u.clearance), u.active ? 'yes' : 'no', u.email])];
}

const add: Command = {
  name: 'users add',
  summary: 'Add a user of the REST API (password from a prompt or --password-stdin)',
  args: ['<name>'],
  options: {
    role: { type: 'string', help: 'admin | user | application (required)' },
    clearance: { type: 'string', help: 'clearance level 0-255 (default 0)' },
    email: { type: 'string', help: 'e-mail address' },
    'password-stdin': { type: 'boolean', help: 'read the password from standard input' },
  },
  async run(ctx, [name], values) {
    const r = role(values['role']);
    const clearance = int(values, 'clearance');
    const password = await readPassword(ctx, values);
    const { users } = await ctx.management();
    const u = await users.add({ username: name as string, role: r, clearance, password, email: str(values, 'email') });
    if (ctx.json) printJson(ctx.io, u);
    else print(ctx.io, `Added user ${u.username} (${u.role}, clearance ${u.clearance}).`);
    return ExitCode.Ok;
  },
};

const list: Command = {
  name: 'users list',
  summary: 'List users',
  options: PAGE_OPTIONS,
  async run(ctx, _p, values) {
    const { offset, limit } = pageOf(values);
    const { users } = await ctx.management();
    const page = await users.list(offset, limit);
    if (ctx.json) printJson(ctx.io, page);
    else {
      print(ctx.io, table(rows(page.items)));
      print(ctx.io, `${page.items.length} of ${page.total} user(s)`);
    }
    return ExitCode.Ok;
  },
};

const setRole: Command = {
  name: 'users set-role',
  summary: "Change a user's role",
  args: ['<name>', '<role>'],
  async run(ctx, [name, r]) {
    const { users } = await ctx.management();
    const u = await users.update(name as string, { role: role(r) });
    if (ctx.json) printJson(ctx.io, u);
    else print(ctx.io, `${u.username} is now ${u.role}.`);
    return ExitCode.Ok;
  },
};

const passwd: Command = {
  name: 'users passwd',
  summary: "Change a user's password (from a prompt or --password-stdin); tokens issued before stop working",
  args: ['<name>'],
  options: {
    'password-stdin': { type: 'boolean', help: 'read the new password from standard input' },
  },
  async run(ctx, [name], values) {
    const password = await readPassword(ctx, values);
    const { users } = await ctx.management();
    const u = await users.update(name as string, { password });
    if (ctx.json) printJson(ctx.io, { username: u.username, passwordChanged: true });
    else print(ctx.io, `Changed the password of ${u.username}; its older tokens are refused from now on.`);
    return ExitCode.Ok;
  },
};

const disable: Command = {
  name: 'users disable',
  summary: 'Disable a user (logins refused from then on)',
  args: ['<name>'],
  async run(ctx, [name]) {
    const { users } = await ctx.management();
    await users.disable(name as string);
    if (ctx.json) printJson(ctx.io, { disabled: name });
    else print(ctx.io, `Disabled ${name}.`);
    return ExitCode.Ok;
  },
};

export const userCommands: readonly Command[] = [add, list, setRole, passwd, disable];

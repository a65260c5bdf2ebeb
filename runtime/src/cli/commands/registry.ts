// `lttle registry login|logout`: credentials in docker's ~/.docker/config.json
// (the same file `docker login` writes, so either tool's login serves both).
import * as fs from 'node:fs';
import { login, logout } from '../../registry/skopeo';
import type { CommandSpec } from '../args';
import { CliError, type CommandContext } from '../context';

export const registryLogin: CommandSpec = {
  path: 'registry login',
  usage: 'lttle registry login REGISTRY --username USER --password-stdin',
  summary: 'Check credentials against a registry and store them for pulls. The password is read from stdin, never from the command line.',
  options: [
    { name: 'username', short: 'u', value: 'USER', help: 'user name' },
    { name: 'password-stdin', help: 'read the password from stdin (required)' },
  ],
  positionals: { min: 1, max: 1 },
};

export const registryLogout: CommandSpec = {
  path: 'registry logout',
  usage: 'lttle registry logout REGISTRY',
  summary: 'Forget the credentials stored for a registry.',
  options: [],
  positionals: { min: 1, max: 1 },
};

export async function runRegistryLogin(ctx: CommandContext): Promise<void> {
  const registry = ctx.args.positionals[0];
  const username = ctx.args.values.username?.[0];
  if (!username) throw new CliError('--username is required', 2);
  if (!ctx.args.flags['password-stdin']) throw new CliError('--password-stdin is required: pipe the password in (it is never taken from the command line)', 2);
  const password = fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  if (!password) throw new CliError('no password on stdin', 2);
  const file = await login(registry, username, password);
  ctx.out(`Login succeeded: ${registry} (credentials in ${file})`);
}

export async function runRegistryLogout(ctx: CommandContext): Promise<void> {
  await logout(ctx.args.positionals[0]);
  ctx.out(`Logged out of ${ctx.args.positionals[0]}`);
}

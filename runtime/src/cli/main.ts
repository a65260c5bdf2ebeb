// `lttle`: the command line of the lttle runtime.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { LttleError } from '../../../schema/src/errors';
import { packageRoot } from '../../../schema/src/paths';
import { helpText, parseArgs, usageLines, UsageError, type CommandSpec } from './args';
import { appDelete, appGet, appList, runAppDelete, runAppGet, runAppList } from './commands/app';
import { clusterDown, clusterStatus, clusterUp, runClusterDown, runClusterStatus, runClusterUp } from './commands/cluster';
import { daemonStart, daemonStatus, daemonStop, runDaemonStart, runDaemonStatus, runDaemonStop } from './commands/daemon';
import { deploy, runDeploy } from './commands/deploy';
import { machineExec, runMachineExec } from './commands/exec';
import { imageList, imagePrune, imagePull, imageRemove, runImageList, runImagePrune, runImagePull, runImageRemove } from './commands/image';
import { machineLogs, machineResume, machineSuspend, runMachineLogs, runMachineResume, runMachineSuspend } from './commands/machine';
import { registryLogin, registryLogout, runRegistryLogin, runRegistryLogout } from './commands/registry';
import { appFork, runAppFork } from './commands/app-fork';
import { appMove, runAppMove } from './commands/app-move';
import { agentClientForApp } from './commands/cluster-apps';

/** With --kubeconfig these go to the node agent of the app's host. */
const ON_THE_APPS_HOST = new Set(['machine logs', 'machine exec', 'machine suspend', 'machine resume']);
import {
  runVolumeSnapshotCreate,
  runVolumeSnapshotDelete,
  runVolumeSnapshotList,
  runVolumeSnapshotRestore,
  volumeSnapshotCreate,
  volumeSnapshotDelete,
  volumeSnapshotList,
  volumeSnapshotRestore,
} from './commands/volume-snapshot';
import { runVolumeDelete, runVolumeGet, runVolumeList, volumeDelete, volumeGet, volumeList } from './commands/volume';
import { CliError, formatOf, newClient, type CommandContext } from './context';

type Runner = (ctx: CommandContext) => Promise<void>;

export const COMMANDS: [CommandSpec, Runner][] = [
  [deploy, runDeploy],
  [volumeGet, runVolumeGet],
  [volumeList, runVolumeList],
  [volumeDelete, runVolumeDelete],
  [volumeSnapshotCreate, runVolumeSnapshotCreate],
  [volumeSnapshotList, runVolumeSnapshotList],
  [volumeSnapshotRestore, runVolumeSnapshotRestore],
  [volumeSnapshotDelete, runVolumeSnapshotDelete],
  [appGet, runAppGet],
  [appList, runAppList],
  [appDelete, runAppDelete],
  [appFork, runAppFork],
  [appMove, runAppMove],
  [machineLogs, runMachineLogs],
  [machineExec, runMachineExec],
  [machineSuspend, runMachineSuspend],
  [machineResume, runMachineResume],
  [imagePull, runImagePull],
  [imageList, runImageList],
  [imageRemove, runImageRemove],
  [imagePrune, runImagePrune],
  [registryLogin, runRegistryLogin],
  [registryLogout, runRegistryLogout],
  [daemonStatus, runDaemonStatus],
  [daemonStart, runDaemonStart],
  [daemonStop, runDaemonStop],
  [clusterUp, runClusterUp],
  [clusterDown, runClusterDown],
  [clusterStatus, runClusterStatus],
];

/** e.g. "app delete (rm)": the verbs an alias adds to the command's own. */
function withAliases(spec: CommandSpec): string {
  const verbs = (spec.aliases ?? []).map((alias) => alias.split(' ').slice(-1)[0]);
  return verbs.length ? `${spec.path} (${verbs.join(', ')})` : spec.path;
}

/** The command column of the overview: as wide as its longest entry. */
const COMMAND_WIDTH = Math.max(...COMMANDS.map(([spec]) => withAliases(spec).length));

function overview(): string {
  return [
    'usage: lttle COMMAND [ARGS] [--help]',
    '',
    'Volumes and apps in QEMU microVMs with flash mode.',
    '',
    'commands:',
    ...COMMANDS.map(([spec]) => `  ${withAliases(spec).padEnd(COMMAND_WIDTH)} ${spec.summary.split('. ')[0].replace(/\.$/, '')}`),
    '',
    `  ${'--version'.padEnd(COMMAND_WIDTH)} Print the version of lttle`,
    '',
    'environment: LTTLE_HOME (default ~/.lttle), LTTLE_HOST, LTTLE_TOKEN, LTTLE_ACCEL=kvm|tcg',
  ].join('\n');
}

function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

function find(argv: string[]): { spec: CommandSpec; run: Runner; rest: string[] } | undefined {
  for (const words of [3, 2, 1]) {
    const path = argv.slice(0, words).join(' ');
    const hit = COMMANDS.find(([spec]) => spec.path === path || spec.aliases?.includes(path));
    if (hit) return { spec: hit[0], run: hit[1], rest: argv.slice(words) };
  }
  return undefined;
}

function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return Promise.resolve(false);
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) =>
    rl.question(`${question} [y/N] `, (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    }),
  );
}

export async function main(argv: string[]): Promise<number> {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const err = (text: string) => process.stderr.write(`${text}\n`);
  if (!argv.length || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    out(overview());
    return argv.length ? 0 : 2;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    out(`lttle ${packageVersion()}`);
    return 0;
  }
  const command = find(argv);
  if (!command) {
    const group = COMMANDS.filter(([spec]) => spec.path.startsWith(`${argv[0]} `));
    const groupUsage = `usage:\n${group.flatMap(([spec]) => usageLines(spec).map((line) => `  ${line}`)).join('\n')}`;
    if (group.length && (argv[1] === '--help' || argv[1] === '-h')) {
      out(groupUsage);
      return 0;
    }
    if (group.length && argv.length === 1) {
      err(`lttle: ${argv[0]} needs a command\n${groupUsage}`);
      return 2;
    }
    // Within a known group the group's commands are the useful list, not every command.
    err(`lttle: unknown command "${argv.slice(0, group.length ? 2 : 1).join(' ')}"\n\n${group.length ? groupUsage : overview()}`);
    return 2;
  }
  try {
    const args = parseArgs(command.spec, command.rest);
    if (args.flags.help) {
      out(helpText(command.spec));
      return 0;
    }
    const client = args.values.kubeconfig && ON_THE_APPS_HOST.has(command.spec.path) ? await agentClientForApp(args) : newClient();
    await command.run({ args, client, format: formatOf(args), out, err, confirm });
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`lttle: ${e.message}`);
      return 2;
    }
    if (e instanceof CliError) {
      if (e.message) err(`lttle: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof LttleError) {
      err(`lttle: ${e.message}`);
      return 1;
    }
    err(`lttle: ${(e as Error).message}`);
    return 1;
  }
}

/**
 * Ends like other Unix tools: a reader that closed the pipe (`| head`) ends
 * the CLI quietly, and everything written reaches a slow reader before exit
 * (process.exit() alone drops pending pipe writes).
 */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

if (require.main === module) {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  void main(process.argv.slice(2)).then(exitAfterFlush);
}

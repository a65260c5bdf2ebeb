// Entry point of pulumi-resource-lttle. The engine reads the gRPC port from
// the first line of stdout, so nothing else may ever be written there:
// console output of any library is sent to stderr.
import { startServer } from './server';

function guardStdout(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

async function main(): Promise<void> {
  guardStdout();
  const { server, port } = await startServer();
  process.stdout.write(`${port}\n`);
  const stop = () => server.tryShutdown(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`pulumi-resource-lttle: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

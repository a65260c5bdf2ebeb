// Entry point of terraform-provider-lttle (bin/terraform-provider-lttle).
// stdout carries only the go-plugin handshake line; logs go to stderr.
import { log } from './log';
import { serve } from './server';

// Terraform forwards Ctrl-C to the whole process group and then asks us to
// stop over gRPC; dying on SIGINT would abort an apply midway.
process.on('SIGINT', () => log('debug', 'ignoring SIGINT; terraform stops the provider over gRPC'));

serve({ onShutdown: () => process.exit(0) }).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

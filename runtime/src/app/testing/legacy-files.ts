// What the version before the machine generation's rename left on disk, made
// from what this one wrote: for the tests that an upgrade keeps every app.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type { AppRecord, LegacyAppRecord } from '../app-record';

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/**
 * Rewrites a snapshot header (snapshot.meta) in format 1 (the default), or 2
 * (before optional devices: a machine without a balloon), checksummed as that version did.
 */
export function downgradeHeader(headerFile: string, format: 1 | 2 = 1): void {
  const { header } = JSON.parse(fs.readFileSync(headerFile, 'utf8')) as { header: Record<string, unknown> };
  const { machineGeneration, devices: _devices, ...rest } = header;
  const old = format === 1 ? { ...rest, format: 1, generation: machineGeneration } : { ...rest, format: 2, machineGeneration };
  fs.writeFileSync(headerFile, JSON.stringify({ header: old, checksum: sha256(JSON.stringify(old)) }));
}

/** Rewrites an app record as that version wrote it: `generation`, no spec or observed generation. */
export function downgradeRecord(recordFile: string): void {
  const record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as AppRecord;
  const { machineGeneration, specGeneration, observedGeneration, snapshot, ...rest } = record;
  assert(specGeneration === observedGeneration && observedGeneration === machineGeneration, 'the record had no spec-only change');
  const legacy: LegacyAppRecord = {
    ...rest,
    generation: machineGeneration,
    ...(snapshot ? { snapshot: { generation: snapshot.machineGeneration, takenAt: snapshot.takenAt, forwards: snapshot.forwards } } : {}),
  };
  fs.writeFileSync(recordFile, JSON.stringify(legacy));
}

function assert(ok: boolean, what: string): void {
  if (!ok) throw new Error(`cannot downgrade: ${what}`);
}

// Records an older lttled wrote come back whole: the machine generation under
// its new name, the spec and observed generations the status showed before.
import * as assert from 'node:assert/strict';
import type { AppSpec } from '../../../schema/src/types';
import { migrateRecord, type AppRecord, type LegacyAppRecord } from './app-record';

const base = {
  spec: { name: 'db', namespace: 'ns' } as AppSpec,
  state: 'suspended' as const,
  hostPorts: { access: 41000 },
  flash: { resumeCount: 3, locksHeld: 0, connections: 0, deep: true, suspendedSince: '2026-01-01T00:00:00.000Z' },
  accel: 'kvm',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('app record migration', () => {
  it('renames the machine generation; a record without specGeneration shows the generations it showed before', () => {
    const legacy: LegacyAppRecord = { ...base, generation: 4, snapshot: { generation: 4, takenAt: 'then', forwards: { access: 40000 } } };
    const record = migrateRecord(JSON.parse(JSON.stringify(legacy)) as LegacyAppRecord);
    assert.deepEqual(record, {
      ...base,
      machineGeneration: 4,
      specGeneration: 4,
      observedGeneration: 4,
      snapshot: { machineGeneration: 4, takenAt: 'then', forwards: { access: 40000 } },
    });
    assert.ok(!('generation' in record));
  });

  it('keeps spec and observed generations the old record had, and no snapshot when it had none', () => {
    const record = migrateRecord({ ...base, state: 'ready', generation: 2, specGeneration: 5, observedGeneration: 4 });
    assert.equal(record.machineGeneration, 2);
    assert.equal(record.specGeneration, 5);
    assert.equal(record.observedGeneration, 4);
    assert.ok(!('snapshot' in record));
  });

  it('leaves a current record as it is', () => {
    const current: AppRecord = { ...base, machineGeneration: 2, specGeneration: 3, observedGeneration: 3 };
    assert.equal(migrateRecord(current), current);
  });
});

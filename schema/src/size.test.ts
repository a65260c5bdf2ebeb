import * as assert from 'node:assert/strict';
import { formatSize, parseSize, parseVolumeSize, SizeError } from './size';

describe('sizes', () => {
  const good: [string | number, number][] = [
    ['100Mi', 100 * 2 ** 20],
    ['50M', 50e6],
    ['42MB', 42e6],
    ['1.5GB', 1.5e9],
    ['1Gi', 2 ** 30],
    ['512Ki', 512 * 1024],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['2T', 2e12],
    ['3TiB', 3 * 2 ** 40],
    ['4096', 4096],
    [4096, 4096],
    ['10 Mi', 10 * 2 ** 20],
    ['7B', 7],
  ];
  for (const [input, bytes] of good) it(`parses ${JSON.stringify(input)}`, () => assert.equal(parseSize(input), bytes));

  for (const bad of ['-1G', '1.2.3M', '10XB', '0', '0Mi', '', 'Mi', '1e9', '1,5G', 1.5, -3, 0]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseSize(bad), SizeError));
  }

  it('bounds volume sizes', () => {
    assert.throws(() => parseVolumeSize('512Ki'), /smaller than the minimum volume size 1Mi/);
    assert.throws(() => parseVolumeSize('17Ti'), /larger than the maximum/);
    assert.equal(parseVolumeSize('1Mi'), 2 ** 20);
  });

  it('formats sizes exactly', () => {
    assert.equal(formatSize(100 * 2 ** 20), '100Mi');
    assert.equal(formatSize(1.5e9), '1500M');
    assert.equal(formatSize(1536 * 2 ** 20), '1536Mi');
    assert.equal(formatSize(1001), '1001');
  });
});

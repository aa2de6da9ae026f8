import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '@vlm/connectors';
import { describe, expect, it } from 'vitest';
import { findPythonEnv, interopSuiteName, runPython } from './python-env';
import { referenceTensors } from '../../../connectors/src/safetensors/__fixtures__/reference-tensors';

const env = findPythonEnv();

describe.skipIf(!('python' in env))(interopSuiteName('safetensors against the Python reference implementation', env), () => {
  it('writes the same bytes as safetensors.torch.save_file for every dtype, and reads its file back exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlm-st-interop-'));
    const path = join(dir, 'reference.safetensors');
    await runPython('safetensors_reference.py', [path]);
    const theirs = new Uint8Array(readFileSync(path));
    const ours = writeSafetensors(referenceTensors(), { format: 'pt' });
    expect(new TextDecoder().decode(ours.subarray(8, 8 + Number(ours[0]) + 256 * Number(ours[1])))).toBe(new TextDecoder().decode(theirs.subarray(8, 8 + Number(theirs[0]) + 256 * Number(theirs[1]))));
    expect(Buffer.compare(Buffer.from(ours), Buffer.from(theirs))).toBe(0);
    const file = readSafetensors(theirs, path);
    expect(file.tensor('input_ids').data).toEqual(new BigInt64Array([1n, 32000n, -200n, 2n ** 40n, -(2n ** 63n), 2n ** 63n - 1n]));
    expect(file.tensor('attention_mask')).toEqual({ dtype: 'BOOL', shape: [1, 3], data: new Uint8Array([1, 0, 1]) });
  });
});

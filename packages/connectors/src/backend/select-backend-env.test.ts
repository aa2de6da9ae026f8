import * as tf from '@tensorflow/tfjs-core';
import { VlmError } from '@vlm/core';
import { afterEach, describe, expect, it } from 'vitest';
import { selectBackend } from './select-backend';

describe('selectBackend with VLM_TF_BACKEND', () => {
  afterEach(() => {
    delete process.env.VLM_TF_BACKEND;
  });

  it('rejects an unknown value, then honours cpu', async () => {
    process.env.VLM_TF_BACKEND = 'gpu';
    await expect(selectBackend({ log: () => {} })).rejects.toBeInstanceOf(VlmError);
    process.env.VLM_TF_BACKEND = 'cpu';
    const choice = await selectBackend({ log: () => {} });
    expect(choice.kind).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});

import { VlmError, type Rng } from '@vlm/core';
import { z } from 'zod';
import type { Connector } from './connector';
import { PerceiverResampler, perceiverConfigSchema } from './perceiver-resampler';
import { Projector, projectorConfigSchema } from './projector';
import { QFormer, qFormerConfigSchema } from './q-former';

/** Any connector's config, told apart by `type`. */
export const connectorConfigSchema = z.union([qFormerConfigSchema, perceiverConfigSchema, projectorConfigSchema]);

/** Input of `connectorConfigSchema`. */
export type ConnectorConfig = z.input<typeof connectorConfigSchema>;

function invalid(error: z.ZodError): never {
  const issue = error.issues[0];
  throw new VlmError('connector.config', `invalid connector config: ${issue?.message ?? 'unknown problem'}`, {
    location: { field: issue?.path.join('.') || 'type' },
    hint: 'type is linear, mlp{N}x_gelu, identity, qformer or perceiver, with its sizes (see the README)',
  });
}

/**
 * Validates a config (errors are `VlmError`s naming the field) and returns the connector, built
 * (weights allocated) with `rng` when given. `type`: `linear`, `mlp{N}x_gelu`, `identity`, `qformer`, `perceiver`.
 */
export function createConnector(config: ConnectorConfig, rng?: Rng): Connector {
  const type = (config as { type?: unknown }).type;
  let connector: Connector;
  if (type === 'qformer') {
    const r = qFormerConfigSchema.safeParse(config);
    if (!r.success) invalid(r.error);
    connector = new QFormer(r.data, rng?.fork('dropout'));
  } else if (type === 'perceiver') {
    const r = perceiverConfigSchema.safeParse(config);
    if (!r.success) invalid(r.error);
    connector = new PerceiverResampler(r.data);
  } else {
    const r = projectorConfigSchema.safeParse(config);
    if (!r.success) invalid(r.error);
    connector = new Projector(r.data);
  }
  return rng ? connector.build(rng) : connector;
}

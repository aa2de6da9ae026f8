import { type Connector } from '@vlm/connectors';
import { saveModuleWeights } from '@vlm/connectors/node';
import type { LlavaModel } from '../compose/llava';

/**
 * Writes only the connector with upstream LLaVA names (`model.mm_projector.0.weight` ...), the file
 * stage 1 hands to the PyTorch trainers (`--pretrain_mm_mlp_adapter`, as safetensors).
 */
export async function exportConnector(model: LlavaModel, path: string): Promise<void> {
  await saveModuleWeights(model.connector as unknown as Connector, path, { format: 'llava' });
}

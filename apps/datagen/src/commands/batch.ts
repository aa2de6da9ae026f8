// `vlm-datagen batch`: replaced by the issue that builds it.
export async function batchCommand(_args: string[]): Promise<number> {
  console.error('vlm-datagen batch is not built yet.');
  return 2;
}

// `vlm-datagen convert`: replaced by the issue that builds it.
export async function convertCommand(_args: string[]): Promise<number> {
  console.error('vlm-datagen convert is not built yet.');
  return 2;
}

// `vlm-datagen expand`: replaced by the issue that builds it.
export async function expandCommand(_args: string[]): Promise<number> {
  console.error('vlm-datagen expand is not built yet.');
  return 2;
}

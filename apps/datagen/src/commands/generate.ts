// `vlm-datagen generate`: replaced by the issue that builds it.
export async function generateCommand(_args: string[]): Promise<number> {
  console.error('vlm-datagen generate is not built yet.');
  return 2;
}

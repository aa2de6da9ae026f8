// `vlm-datagen stats`: replaced by the issue that builds it.
export async function statsCommand(_args: string[]): Promise<number> {
  console.error('vlm-datagen stats is not built yet.');
  return 2;
}

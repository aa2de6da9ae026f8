// `vlm-datagen quilt`: replaced by the issue that builds it.
export async function quiltCommand(_args: string[]): Promise<number> {
  console.error('vlm-datagen quilt is not built yet.');
  return 2;
}

// `vlm-datagen pathgen`: replaced by the issue that builds it.
export async function pathgenCommand(_args: string[]): Promise<number> {
  console.error('vlm-datagen pathgen is not built yet.');
  return 2;
}

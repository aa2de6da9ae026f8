// `vlm-datagen mix`: replaced by the issue that builds it.
export async function mixCommand(_args: string[]): Promise<number> {
  console.error('vlm-datagen mix is not built yet.');
  return 2;
}

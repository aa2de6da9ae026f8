import { IMAGE_TOKEN } from '../constants';
import type { Rng } from '../random/rng';

/** Where `<image>` goes in a turn that has one: to the front (training default), kept, or a random side. */
export type ImagePlacement = 'front' | 'keep' | 'random';

function countImages(text: string): number {
  let n = 0;
  for (let i = text.indexOf(IMAGE_TOKEN); i !== -1; i = text.indexOf(IMAGE_TOKEN, i + IMAGE_TOKEN.length)) n++;
  return n;
}

/**
 * Moves the image placeholders of one turn: `front` gives `"<image>\n" + text` (upstream training),
 * `random` puts them before or after the text with one random bit per turn (LLaVA-Med), `keep` leaves
 * the text as written.
 */
export function placeImages(value: string, placement: ImagePlacement, rng: Rng): string {
  if (placement === 'keep') return value;
  const at = value.indexOf(IMAGE_TOKEN);
  if (at === -1) return value;
  const n = countImages(value);
  if (n === 1 && placement === 'front') {
    // the common case (one image, training placement) without the split/join
    const rest = (value.slice(0, at) + value.slice(at + IMAGE_TOKEN.length)).trim();
    return rest.length === 0 ? IMAGE_TOKEN : `${IMAGE_TOKEN}\n${rest}`;
  }
  const rest = value.split(IMAGE_TOKEN).join('').trim();
  const images = Array.from({ length: n }, () => IMAGE_TOKEN);
  const front = placement === 'front' || rng.bool();
  if (rest.length === 0) return images.join('\n');
  return front ? [...images, rest].join('\n') : [rest, ...images].join('\n');
}

export { countImages };

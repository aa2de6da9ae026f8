import { z } from 'zod';

/**
 * How Quilt's grounded captions carry boxes, explained once for every Quilt prompt: the narrator's
 * words, each segment followed by the region the cursor pointed at.
 */
export const groundedCaptionExplanation =
  'You are given the narration a pathologist spoke while showing one histopathology image. Some parts of the narration are followed by a bounding box [x1, y1, x2, y2] marking the region of the image the narrator was pointing at: four numbers between 0 and 1, where (x1, y1) is the top-left corner and (x2, y2) the bottom-right corner, as fractions of the image width and height.';

/** Our rule shared by the Quilt prompts: what the teacher must never reveal. */
export const quiltNoLeakRule =
  'Answer as if you were looking at the image yourself. Use the boxes only to understand where things are (for example "in the upper left", "at the center"); never mention coordinates, boxes, the narration, the narrator or that you were given text.';

/** A grounded caption, e.g. `Here we see dense lymphoid infiltrate [0.12, 0.3, 0.55, 0.71], ...`. */
export const quiltCaptionInputSchema = z.object({
  caption: z.string().trim().min(1),
});

/** The `User:[...]` / `GPT:[...]` format instruction. */
export const quiltTurnFormat = 'Write every turn on its own line as User:[question] or GPT:[answer].';

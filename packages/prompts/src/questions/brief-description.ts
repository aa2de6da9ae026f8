/**
 * The eleven brief-description instructions of LLaVA's stage-1 data (naive expansion), character for
 * character as the seed lists them (note the curly apostrophe in "photo’s").
 */
export const briefDescriptionQuestions: readonly string[] = Object.freeze([
  'Describe the image concisely.',
  'Provide a brief description of the given image.',
  'Offer a succinct explanation of the picture presented.',
  'Summarize the visual content of the image.',
  'Give a short and clear explanation of the subsequent image.',
  'Share a concise interpretation of the image provided.',
  'Present a compact description of the photo’s key features.',
  'Relay a brief, clear account of the picture shown.',
  'Render a clear and concise summary of the photo.',
  'Write a terse but informative summary of the picture.',
  'Create a compact narrative representing the image presented.',
]);

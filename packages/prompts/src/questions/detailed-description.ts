/**
 * The sixteen detailed-description instructions of LLaVA-Instruct, exactly as the seed lists them
 * (no trailing full stop, as upstream).
 */
export const detailedDescriptionQuestions: readonly string[] = Object.freeze([
  'Describe the following image in detail',
  'Provide a detailed description of the given image',
  'Give an elaborate explanation of the image you see',
  'Share a comprehensive rundown of the presented image',
  'Offer a thorough analysis of the image',
  'Explain the various aspects of the image before you',
  'Clarify the contents of the displayed image with great detail',
  'Characterize the image using a well-detailed description',
  'Break down the elements of the image in a detailed manner',
  'Walk through the important details of the image',
  'Portray the image with a rich, descriptive narrative',
  'Narrate the contents of the image with precision',
  'Analyze the image in a comprehensive and detailed manner',
  'Illustrate the image through a descriptive explanation',
  'Examine the image closely and share its details',
  'Write an exhaustive depiction of the given image',
]);

/** Label of every position that is not trained (PyTorch's cross-entropy ignore_index). */
export const IGNORE_INDEX = -100;
/** Placeholder id meaning "splice the image features here" (LLaVA's IMAGE_TOKEN_INDEX). */
export const IMAGE_TOKEN_INDEX = -200;
/** The image placeholder string inside conversation text. */
export const IMAGE_TOKEN = '<image>';
export const IMAGE_PATCH_TOKEN = '<im_patch>';
export const IMAGE_START_TOKEN = '<im_start>';
export const IMAGE_END_TOKEN = '<im_end>';

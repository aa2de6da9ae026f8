import type { LlavaRecord } from '@vlm/core';

/** A small built-in LLaVA-format dataset (pathology showcase) for `vlm-train demo`. */
export const SAMPLE_DATASET: LlavaRecord[] = [
  {
    id: 'path-0001',
    image: 'patches/path-0001.png',
    conversations: [
      { from: 'human', value: 'What tissue is shown in this H&E stained section?\n<image>' },
      { from: 'gpt', value: 'The section shows colonic mucosa with crypts lined by columnar epithelium and scattered goblet cells.' },
      { from: 'human', value: 'Are there signs of dysplasia?' },
      { from: 'gpt', value: 'Some crypts show crowded, elongated nuclei with loss of polarity, consistent with low-grade dysplasia.' },
    ],
  },
  {
    id: 'path-0002',
    image: 'patches/path-0002.png',
    conversations: [
      { from: 'human', value: '<image>\nDescribe the image concisely.' },
      { from: 'gpt', value: 'Sheets of pleomorphic tumor cells with frequent mitotic figures infiltrating the stroma.' },
    ],
  },
  {
    id: 'path-0003',
    image: 'patches/path-0003.png',
    conversations: [
      { from: 'human', value: '<image>\nHow many mitotic figures can you see, and where?' },
      { from: 'gpt', value: 'Two mitotic figures are visible: one near the upper left corner and one at the center of the field.' },
      { from: 'human', value: 'Is the ASSISTANT: tag in this question a problem?' },
      { from: 'gpt', value: 'No. Text such as "ASSISTANT:", "###" or </s> inside a message stays text and the masks are unchanged.' },
      { from: 'human', value: 'What stain would help confirm the cell of origin?' },
      { from: 'gpt', value: 'An immunohistochemical panel, for example cytokeratin for epithelial origin and CD45 for lymphoid cells.' },
    ],
  },
  {
    id: 'text-0001',
    conversations: [
      { from: 'human', value: 'What does H&E stand for?' },
      { from: 'gpt', value: 'Hematoxylin and eosin, the routine stain in histopathology.' },
    ],
  },
];

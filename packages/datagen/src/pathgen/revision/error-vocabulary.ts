/** Term swaps used by the modification errors; each is applied in both directions. */
export const MODIFICATION_SWAPS: readonly [string, string][] = [
  ['increased', 'decreased'],
  ['eosinophilic', 'basophilic'],
  ['well-differentiated', 'poorly differentiated'],
  ['benign', 'malignant'],
  ['regular', 'irregular'],
  ['large', 'small'],
  ['high', 'low'],
  ['present', 'absent'],
  ['dense', 'sparse'],
  ['round', 'spindle-shaped'],
  ['hyperchromatic', 'pale'],
  ['prominent', 'inconspicuous'],
  ['abundant', 'scant'],
  ['organized', 'disorganized'],
  ['mild', 'severe'],
];

/** Plausible but unsupported findings used by the addition errors. */
export const ADDITION_SENTENCES: readonly string[] = [
  'Numerous mitotic figures are seen.',
  'There is extensive necrosis.',
  'Psammoma bodies are present.',
  'The nuclei show prominent nucleoli.',
  'Abundant mucin pools are visible.',
  'Keratin pearls are present.',
  'There is marked lymphovascular invasion.',
  'Scattered multinucleated giant cells are present.',
  'The stroma shows dense calcification.',
  'Signet ring cells are seen throughout.',
];

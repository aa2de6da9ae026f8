import type { SlideRegion } from './synthetic-slide';

/** One spoken sentence of the demo narration, about one region. */
export interface DemoLine {
  region: number;
  text: string;
}

/** One scene of the demo video: a still slide, regions the cursor circles, and what is said. */
export interface DemoScene {
  palette: { stroma: [number, number, number]; nucleus: [number, number, number] };
  regions: SlideRegion[];
  lines: DemoLine[];
  /** Seconds spent circling each region. */
  dwell: number;
  /** Seconds moving between regions. */
  transit: number;
}

/**
 * The narration of the built-in demo, at 640x360: a first slide with three regions (47 words, so
 * k = 3 clusters) and a second with two (25 words, k = 2). The narrator works from the lower right
 * towards the upper left: the time weighting w = exp(-0.2 t) shrinks later points towards the
 * origin, so this order keeps the regions apart in feature space (see the README).
 */
export const DEMO_SCENES: DemoScene[] = [
  {
    palette: { stroma: [236, 178, 204], nucleus: [84, 38, 128] },
    regions: [
      { name: 'lower right infiltrate', cx: 500, cy: 270, rx: 60, ry: 42 },
      { name: 'central necrosis', cx: 330, cy: 190, rx: 58, ry: 40 },
      { name: 'upper left glands', cx: 150, cy: 100, rx: 62, ry: 42 },
    ],
    lines: [
      { region: 0, text: 'Down here the tumour infiltrates the surrounding stroma as small irregular nests with desmoplasia.' },
      { region: 1, text: 'In the centre a focus of necrosis surrounded by viable tumour cells is consistent with adenocarcinoma.' },
      { region: 2, text: 'Up here in the left corner we see crowded glands with enlarged hyperchromatic nuclei and lost polarity.' },
    ],
    dwell: 2,
    transit: 0.5,
  },
  {
    palette: { stroma: [242, 196, 214], nucleus: [70, 44, 140] },
    regions: [
      { name: 'lower right vessel', cx: 470, cy: 250, rx: 60, ry: 42 },
      { name: 'upper left lymphoid aggregate', cx: 170, cy: 110, rx: 64, ry: 44 },
    ],
    lines: [
      { region: 0, text: 'On the right a vessel shows tumour emboli within the lumen.' },
      { region: 1, text: 'Up on the left is a dense lymphoid aggregate with small round mature lymphocytes.' },
    ],
    dwell: 2,
    transit: 0.5,
  },
];

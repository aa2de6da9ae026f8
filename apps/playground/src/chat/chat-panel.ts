import { createRng } from '@vlm/core';
import { generateScene, renderScenePixels, sceneBackgrounds, sceneColours, shapeKinds, type Scene, type SceneObject, type ShapeKind } from '@vlm/datagen/scenes';
import { SHORT_ANSWER_SUFFIX, askQuestion, questionTypes } from '@vlm/shapes-demo';
import { h } from '../shared/dom';
import { canvasPixelOf, drawRgb } from '../train/scene-canvas';

/** Options of {@link mountChatPanel}. */
export interface ChatPanelOptions {
  imageSize: number;
  maxObjects: number;
  /** Object side as a share of the image side, as the model was trained on. */
  objectScale?: [number, number];
  ask: (scene: Scene, question: string) => Promise<{ text: string; seconds: number }>;
}

/**
 * A scene to ask about, drawn by hand (pick a shape and colour, click to place it) or generated, with
 * suggested questions of the kinds the demo trains and a transcript of answers.
 */
export function mountChatPanel(root: HTMLElement, o: ChatPanelOptions): { scene: () => Scene } {
  const size = o.imageSize;
  const scale = o.objectScale ?? [0.36, 0.5];
  let seed = 1000;
  let scene: Scene = generateScene(`generated-${seed}`, createRng(seed), { size, minObjects: 1, maxObjects: o.maxObjects, objectScale: scale });
  const canvas = h('canvas', { id: 'scene-canvas', class: 'scene', title: 'click to place the chosen shape' });
  const shape = h('select', { id: 'draw-shape' }, ...shapeKinds.map((s) => h('option', { value: s }, s)));
  const colour = h('select', { id: 'draw-colour' }, ...sceneColours.map((c) => h('option', { value: c.name }, c.name)));
  const background = h('select', { id: 'draw-background' }, ...sceneBackgrounds.map((c) => h('option', { value: c.name }, c.name)));
  const objects = h('p', { class: 'muted', id: 'scene-objects' });
  const chips = h('div', { class: 'chips', id: 'suggestions' });
  const question = h('input', { id: 'question', class: 'question', placeholder: 'What color is the circle? Answer briefly.' });
  const askButton = h('button', { id: 'ask' }, 'Ask');
  const transcript = h('div', { class: 'transcript', id: 'transcript' }, h('p', { class: 'muted' }, 'Answers appear here.'));

  const redraw = () => {
    drawRgb(canvas, renderScenePixels(scene), scene.width, scene.height);
    canvas.dataset.scene = JSON.stringify(scene);
    background.value = scene.background;
    objects.textContent = scene.objects.length ? scene.objects.map((x) => `${x.colour} ${x.shape}`).join(', ') : 'empty: click the canvas to place a shape';
    const rng = createRng(seed).fork('questions');
    const asked = questionTypes.map((t) => askQuestion({ ...scene, image: '', captions: [] }, t, rng)).filter((q) => q !== undefined);
    chips.replaceChildren(
      ...asked.map((q) =>
        h('button', { type: 'button', 'data-expected': q.answer, onclick: () => ((question.value = q.question), question.focus()) }, q.question.replace(SHORT_ANSWER_SUFFIX, '')),
      ),
    );
  };

  canvas.addEventListener('click', (event) => {
    if (scene.objects.length >= o.maxObjects) scene = { ...scene, objects: [] };
    const [px, py] = canvasPixelOf(canvas, event);
    const side = Math.round(size * (scale[0] + scale[1]) / 2);
    const x1 = Math.max(0, Math.min(size - side, px - Math.floor(side / 2)));
    const y1 = Math.max(0, Math.min(size - side, py - Math.floor(side / 2)));
    const box: SceneObject['box'] = [x1, y1, x1 + side, y1 + side];
    const object: SceneObject = { shape: shape.value as ShapeKind, colour: colour.value, box, boxNormalised: [box[0] / size, box[1] / size, box[2] / size, box[3] / size] };
    // One object per colour-and-shape pair, as the world generator keeps them (questions stay unambiguous).
    scene = { ...scene, id: 'drawn', objects: [...scene.objects.filter((x) => !(x.colour === object.colour && x.shape === object.shape)), object] };
    redraw();
  });
  background.addEventListener('change', () => {
    scene = { ...scene, background: background.value };
    redraw();
  });
  const generate = h('button', { type: 'button', id: 'new-scene', class: 'secondary', onclick: () => {
    seed += 1;
    scene = generateScene(`generated-${seed}`, createRng(seed), { size, minObjects: 1, maxObjects: o.maxObjects, objectScale: scale });
    redraw();
  } }, 'New scene');
  const clear = h('button', { type: 'button', id: 'clear-scene', class: 'secondary', onclick: () => {
    scene = { ...scene, id: 'drawn', objects: [] };
    redraw();
  } }, 'Clear');

  let asked = 0;
  const ask = async () => {
    const text = question.value.trim();
    if (!text) return;
    const id = ++asked;
    const line = h('div', { class: 'a', 'data-answer': String(id) }, '…');
    const thumb = h('canvas', { class: 'thumb' });
    drawRgb(thumb, renderScenePixels(scene), scene.width, scene.height);
    if (asked === 1) transcript.replaceChildren();
    transcript.append(h('div', { class: 'q' }, thumb, ` ${text}`), line);
    askButton.disabled = true;
    try {
      const result = await o.ask(scene, text);
      line.textContent = result.text.length > 0 ? result.text : '(the model stopped without a word)';
      line.setAttribute('title', `${result.seconds.toFixed(2)} s`);
      line.dataset.done = 'true';
    } catch (error) {
      line.textContent = `error: ${error instanceof Error ? error.message : String(error)}`;
      line.dataset.done = 'error';
    } finally {
      askButton.disabled = false;
    }
  };
  askButton.addEventListener('click', () => void ask());
  question.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') void ask();
  });

  root.replaceChildren(
    h(
      'div',
      { class: 'chat-grid' },
      h(
        'div',
        {},
        canvas,
        h('div', { class: 'row buttons' }, generate, clear),
        h('label', {}, 'Shape ', shape),
        h('label', {}, 'Colour ', colour),
        h('label', {}, 'Background ', background),
        objects,
      ),
      h('div', {}, h('p', { class: 'muted' }, 'Suggested questions about this scene:'), chips, h('div', { class: 'row' }, question, askButton), transcript),
    ),
  );
  redraw();
  return { scene: () => scene };
}

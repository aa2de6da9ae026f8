/** COCO instances + captions -> annotated images (captions and boxes). */
export { loadCocoAnnotations, type AnnotatedImage } from './load-coco';

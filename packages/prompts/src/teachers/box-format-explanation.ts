/**
 * Our wording of how the symbolic image is laid out, shared by the prompts that show boxes so they
 * explain the format the same way.
 */
export const boxFormatExplanation =
  'What you see is given as several sentences that describe the image, each written by a different person, followed by the locations of objects in the image. Each object is written as its category and a bounding box [x1, y1, x2, y2]: four floating-point numbers between 0 and 1, where (x1, y1) is the top-left corner and (x2, y2) the bottom-right corner of the box, measured from the top-left corner of the image as fractions of its width and height.';

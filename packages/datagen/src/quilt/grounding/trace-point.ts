/** A cursor point as Quilt-LLaVA releases it: x and y normalised to [0, 1], t in seconds from the chunk start. */
export interface TracePoint {
  x: number;
  y: number;
  t: number;
}

/** A box `[x1, y1, x2, y2]` in normalised image coordinates. */
export type Box = [number, number, number, number];

/** A decoder's message on one line (libvips errors span several lines and would break a listing). */
export function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim();
}

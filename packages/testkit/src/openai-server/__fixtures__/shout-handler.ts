import type { ChatHandler } from '../types';

// Handler module for the child-process server test: shouts the last user message back.
export const handler: ChatHandler = (_request, context) => `${context.lastUserText.toUpperCase()}!`;

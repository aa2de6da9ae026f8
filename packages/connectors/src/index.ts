// Public API of @vlm/connectors.
export {};
